/**
 * Writes settings into the slave script's config module. `device-scripts/camconfig.py` is the schema: its
 * `NAME = value` lines say which keys exist and their types, and overrides replace only the value, so the
 * comments and layout a user reads on the board stay as shipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Esp32CamError } from '../../errors.js';
import { deviceScriptsDir } from '../../paths.js';

export const CONFIG_MODULE_FILE = 'camconfig.py';

export type ConfigValue = number | string | boolean;
type Kind = 'int' | 'str' | 'bool';

const SETTING = /^([A-Z][A-Z0-9_]*)(\s*=\s*)(0x[0-9A-Fa-f]+|-?\d+|'[^'\\]*'|"[^"\\]*"|True|False)(.*)$/;

interface Setting {
  line: number;
  kind: Kind;
  hex: boolean;
}

const configError = (message: string, hint: string): Esp32CamError => new Esp32CamError('E_CONFIG', message, hint);

export function readConfigTemplate(): string {
  return readFileSync(join(deviceScriptsDir(), CONFIG_MODULE_FILE), 'utf8');
}

/** The settings in the template, with their current values as they read on the board. */
export function configDefaults(template = readConfigTemplate()): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const line of template.split('\n')) {
    const m = SETTING.exec(line);
    if (!m) continue;
    const raw = m[3];
    out[m[1]] = raw === 'True' ? true : raw === 'False' ? false : /^['"]/.test(raw) ? raw.slice(1, -1) : Number(raw);
  }
  return out;
}

/**
 * The text of camconfig.py with `values` applied. Values may be strings from a command line ("0x2C", "44",
 * "true") for int and bool keys. An unknown key, a value of the wrong type, or a string that could not sit
 * in a Python literal is `E_CONFIG`.
 */
export function renderConfigModule(values: Record<string, unknown>, template = readConfigTemplate()): string {
  const lines = template.split('\n');
  const settings = new Map<string, Setting>();
  lines.forEach((line, i) => {
    const m = SETTING.exec(line);
    if (!m) return;
    const raw = m[3];
    const kind: Kind = raw === 'True' || raw === 'False' ? 'bool' : /^['"]/.test(raw) ? 'str' : 'int';
    settings.set(m[1], { line: i, kind, hex: raw.startsWith('0x') });
  });
  for (const [key, value] of Object.entries(values)) {
    const setting = settings.get(key);
    if (!setting) {
      throw configError(
        `Unknown device setting ${JSON.stringify(key)}`,
        `Use one of the settings in ${CONFIG_MODULE_FILE}: ${[...settings.keys()].join(', ')}.`,
      );
    }
    const literal = pythonLiteral(key, setting, value);
    const m = SETTING.exec(lines[setting.line])!;
    // Keep the comment column where it was when the new value is not longer than the room it had.
    const rest = m[4];
    const pad = rest.match(/^\s*/)![0];
    const room = m[3].length + pad.length;
    const spacing = rest.trim() ? ' '.repeat(Math.max(1, room - literal.length)) : '';
    lines[setting.line] = `${m[1]}${m[2]}${literal}${spacing}${rest.trimStart()}`;
  }
  return lines.join('\n');
}

function pythonLiteral(key: string, setting: Setting, value: unknown): string {
  const wrongType = (want: string): Esp32CamError =>
    configError(`Device setting ${key} must be ${want}, got ${JSON.stringify(value)}`, `Give ${key} ${want}, e.g. ${example(setting)}.`);
  if (setting.kind === 'int') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*(0x[0-9a-f]+|-?\d+)\s*$/i.test(value) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n)) throw wrongType('an integer');
    return setting.hex && n >= 0 ? `0x${n.toString(16).toUpperCase()}` : String(n);
  }
  if (setting.kind === 'bool') {
    if (typeof value === 'boolean') return value ? 'True' : 'False';
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true' ? 'True' : 'False';
    throw wrongType('true or false');
  }
  if (typeof value !== 'string') throw wrongType('a string');
  if (/[^\x20-\x7e]|['"\\]/.test(value)) throw wrongType('plain ASCII text without quotes or backslashes');
  return `'${value}'`;
}

const example = (s: Setting): string => (s.kind === 'int' ? (s.hex ? '0x2C' : '13') : s.kind === 'bool' ? 'true' : "'QVGA'");

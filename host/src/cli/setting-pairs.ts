import { v2 } from '../../../protocol/src/index.js';
import { Esp32CamError } from '../errors.js';
import type { FlashMode } from '../services/cameras/index.js';
import { FLASH_MODES } from '../services/settings/index.js';

/**
 * The CLI's names for the settings are freshev's setters (`camera.flip()`, `camera.speffect()`…), as a
 * MicroPython user knows them; the protocol's, which are CameraWebServer's, are taken too.
 */
const CLI_NAMES: ReadonlyArray<[string, v2.SettingName]> = [
  ['framesize', 'framesize'],
  ['quality', 'quality'],
  ['brightness', 'brightness'],
  ['contrast', 'contrast'],
  ['saturation', 'saturation'],
  ['flip', 'vflip'],
  ['mirror', 'hmirror'],
  ['speffect', 'special_effect'],
  ['whitebalance', 'wb_mode'],
];
const BY_NAME = new Map<string, v2.SettingName>([...CLI_NAMES, ...v2.SETTING_NAMES.map((n): [string, v2.SettingName] => [n, n])]);

/** The name the CLI shows a setting by. */
export const cliName = (setting: v2.SettingName): string => CLI_NAMES.find(([, s]) => s === setting)![0];

/** The settings in the order the CLI lists them. */
export const CLI_SETTINGS: readonly v2.SettingName[] = CLI_NAMES.map(([, s]) => s);

/** Names for the values of the settings that have them (protocol/README.md, SETTINGS). */
const VALUE_NAMES: Partial<Record<v2.SettingName, readonly string[]>> = {
  framesize: v2.FRAME_SIZES.map((f) => f.name.toLowerCase()),
  vflip: ['off', 'on'],
  hmirror: ['off', 'on'],
  special_effect: ['none', 'negative', 'grayscale', 'red', 'green', 'blue', 'sepia'],
  wb_mode: ['auto', 'sunny', 'cloudy', 'office', 'home'],
};

/** `VGA (8)`, `sepia (6)`, `12`: a value as the CLI shows it. */
export function showValue(setting: v2.SettingName, value: number | undefined): string {
  if (value === undefined) return '-';
  const named = VALUE_NAMES[setting]?.[value];
  if (named === undefined) return String(value);
  return `${setting === 'framesize' ? named.toUpperCase() : named} (${value})`;
}

export interface SettingsChange {
  settings: v2.CameraSettings;
  flash?: FlashMode;
}

function allowed(setting: v2.SettingName): string {
  const { min, max } = v2.SETTINGS[setting];
  const names = VALUE_NAMES[setting];
  const example = setting === 'framesize' ? ' or a name such as VGA' : names ? ` or ${names.join(', ')}` : '';
  return `${cliName(setting)} takes a whole number from ${min} to ${max}${example}`;
}

const listing = (): string =>
  `The settings are ${CLI_NAMES.map(([name, s]) => `${name} ${v2.SETTINGS[s].min}..${v2.SETTINGS[s].max}`).join(', ')}, and flash=${FLASH_MODES.join('|')}`;

function valueOf(setting: v2.SettingName, text: string): number | undefined {
  const lower = text.toLowerCase();
  const byName = VALUE_NAMES[setting]?.indexOf(lower) ?? -1;
  if (byName >= 0) return byName;
  if ((setting === 'vflip' || setting === 'hmirror') && ['true', 'yes'].includes(lower)) return 1;
  if ((setting === 'vflip' || setting === 'hmirror') && ['false', 'no'].includes(lower)) return 0;
  if (!/^[+-]?\d{1,6}$/.test(text)) return undefined;
  const value = Number(text);
  const { min, max } = v2.SETTINGS[setting];
  return value >= min && value <= max ? value : undefined;
}

/**
 * `NAME=VALUE` arguments into the settings and the flash mode they ask for. A bad pair is E_BAD_INPUT
 * naming it and saying what it takes.
 */
export function parseSettingPairs(pairs: readonly string[]): SettingsChange {
  const change: SettingsChange = { settings: {} };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq).trim().toLowerCase();
    const text = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (eq < 0 || name === '' || text === '') {
      throw new Esp32CamError('E_BAD_INPUT', `"${pair}" is not NAME=VALUE`, `Write each setting as NAME=VALUE, e.g. framesize=VGA quality=12. ${listing()}.`);
    }
    if (name === 'flash') {
      if (!(FLASH_MODES as readonly string[]).includes(text.toLowerCase())) {
        throw new Esp32CamError('E_BAD_INPUT', `"${pair}": the flash mode "${text}" is not one`, `Write flash=${FLASH_MODES.join(', flash=')}.`);
      }
      change.flash = text.toLowerCase() as FlashMode;
      continue;
    }
    const setting = BY_NAME.get(name);
    if (!setting) throw new Esp32CamError('E_BAD_INPUT', `"${pair}": there is no setting "${name}"`, `${listing()}.`);
    const value = valueOf(setting, text);
    if (value === undefined) throw new Esp32CamError('E_BAD_INPUT', `"${pair}": "${text}" is not a value for ${cliName(setting)}`, `${allowed(setting)}.`);
    change.settings[setting] = value;
  }
  return change;
}

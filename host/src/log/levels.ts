import { Esp32CamError } from '../errors.js';
import { LEVELS, NAMESPACES, type LogLevel, type LogLevels, type Namespace } from './logger.js';

/** The environment variable that selects levels when no flag does: `ESP32CAM_LOG=info,i2c=trace`. */
export const LOG_ENV = 'ESP32CAM_LOG';

const isLevel = (text: string): text is LogLevel => (LEVELS as readonly string[]).includes(text);
const isNamespace = (text: string): text is Namespace => (NAMESPACES as readonly string[]).includes(text);

/**
 * Reads a level spec: comma-separated entries, each a level (the default for every namespace) or
 * `namespace=level`. `debug`, `i2c=trace,repl=trace`, `warn,http=debug`.
 */
export function parseLogLevels(spec: string, base: LogLevels = { default: 'info', namespaces: {} }): LogLevels {
  const result: LogLevels = { default: base.default, namespaces: { ...base.namespaces } };
  for (const raw of spec.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      if (!isLevel(entry)) throw badSpec(spec, `"${entry}" is not a level`);
      result.default = entry;
      continue;
    }
    const namespace = entry.slice(0, eq).trim();
    const level = entry.slice(eq + 1).trim();
    if (!isNamespace(namespace)) throw badSpec(spec, `"${namespace}" is not a log namespace`);
    if (!isLevel(level)) throw badSpec(spec, `"${level}" is not a level`);
    result.namespaces[namespace] = level;
  }
  return result;
}

/** -v is debug, -vv (or more) trace, on top of whatever the spec says for the default. */
export function verbosityLevel(count: number): LogLevel | undefined {
  if (count <= 0) return undefined;
  return count === 1 ? 'debug' : 'trace';
}

function badSpec(spec: string, why: string): Esp32CamError {
  return new Esp32CamError(
    'E_CONFIG',
    `Log levels "${spec}": ${why}`,
    `Use a level (${LEVELS.join(', ')}) and/or namespace=level pairs, e.g. "info,i2c=trace"; the namespaces are ${NAMESPACES.join(', ')}.`,
  );
}

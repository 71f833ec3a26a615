import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { defaultCameraSpec } from './camera-spec.js';
import { DEFAULTS } from './defaults.js';
import { CONFIG_HINTS, DEFAULT_CAMERA_NAME, KNOWN_KEYS, configLayerSchema, type CameraConfig, type Config, type ConfigLayer } from './schema.js';

type LayerCamera = NonNullable<ConfigLayer['cameras']>[number] & { baseDir: string };

/** One place config values come from. Relative paths in it are resolved against `baseDir`. */
export interface ConfigSource {
  /** Names the source in error messages: `config file /etc/esp32cam.json`, `command line`. */
  name: string;
  values: unknown;
  baseDir: string;
}

export { DEFAULTS };

/** Validates each source on its own (so errors name it), then merges them over the defaults, later wins. */
export function resolveConfig(sources: ConfigSource[], opts: { cwd?: string; devDir?: string } = {}): Config {
  const cwd = opts.cwd ?? process.cwd();
  const config: Config = {
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    dataDir: resolve(cwd, DEFAULTS.dataDir),
    cameras: [],
    protocol: DEFAULTS.protocol,
    retention: { ...DEFAULTS.retention },
    sim: { ...DEFAULTS.sim },
    allowedHosts: [],
    auth: { ...DEFAULTS.auth },
    limits: { ...DEFAULTS.limits },
    // The health monitor owns its defaults; the config holds what the user set.
    health: { thresholds: {}, recovery: {} },
  };
  // A later source's cameras replace an earlier one's whole list: merging lists by position would pair
  // cameras that have nothing to do with each other.
  let cameras: LayerCamera[] | undefined;
  for (const source of sources) {
    const layer = validateLayer(source);
    mergeLayer(config, layer, source.baseDir);
    if (layer.cameras) cameras = layer.cameras.map((c) => ({ ...c, baseDir: source.baseDir }));
    if (layer.camera !== undefined) cameras = [{ name: DEFAULT_CAMERA_NAME, camera: layer.camera, baseDir: source.baseDir }];
  }
  // Probing /dev only when nobody chose a camera keeps explicit configs independent of the machine.
  cameras ??= [{ name: DEFAULT_CAMERA_NAME, camera: defaultCameraSpec(opts.devDir), baseDir: cwd }];
  config.cameras = cameras.map((c) => resolveCamera(c, config));
  if (config.mqtt !== undefined && !config.mqtt.url) {
    throw new Esp32CamError(
      'E_CONFIG',
      'mqtt: the broker URL (mqtt.url) is missing',
      'Add "url": "mqtt://broker.lan:1883" to the mqtt section, or give --mqtt URL.',
    );
  }
  return config;
}

/** A camera's own settings over the config-wide ones (protocol, the sim section). */
function resolveCamera(entry: LayerCamera, config: Config): CameraConfig {
  const sim: CameraConfig['sim'] = {};
  const script = entry.sim?.script !== undefined ? resolve(entry.baseDir, entry.sim.script) : config.sim.script;
  if (script !== undefined) sim.script = script;
  const frameSize = entry.sim?.frameSize ?? config.sim.frameSize;
  if (frameSize !== undefined) sim.frameSize = frameSize;
  const quality = entry.sim?.quality ?? config.sim.quality;
  if (quality !== undefined) sim.quality = quality;
  const ambientLight = entry.sim?.ambientLight ?? config.sim.ambientLight;
  if (ambientLight !== undefined) sim.ambientLight = ambientLight;
  const camera: CameraConfig = { name: entry.name, camera: entry.camera, protocol: entry.protocol ?? config.protocol, sim };
  if (entry.serialPort !== undefined) camera.serialPort = entry.serialPort;
  return camera;
}

function validateLayer(source: ConfigSource): ConfigLayer {
  const result = configLayerSchema.safeParse(source.values);
  if (result.success) return result.data;
  throw configIssueError(source.name, result.error.issues[0], source.values);
}

function mergeLayer(config: Config, layer: ConfigLayer, baseDir: string): void {
  const { retention, sim, i2c, dataDir, device, auth, limits, allowedHosts, health, stream, mqtt, camera: _camera, cameras: _cameras, ...flat } = layer;
  Object.assign(config, flat);
  // A later source's bus clock replaces an earlier one's for that bus only.
  if (i2c) config.i2c = { ...config.i2c, ...i2c, ...(i2c.buses || config.i2c?.buses ? { buses: { ...config.i2c?.buses, ...i2c.buses } } : {}) };
  if (allowedHosts) config.allowedHosts = [...new Set([...config.allowedHosts, ...allowedHosts])];
  if (auth) Object.assign(config.auth, auth);
  if (limits) Object.assign(config.limits, limits);
  if (health) {
    if (health.keepAliveMs !== undefined) config.health.keepAliveMs = health.keepAliveMs;
    if (health.bootLog !== undefined) config.health.bootLog = health.bootLog;
    Object.assign(config.health.thresholds, health.thresholds);
    Object.assign(config.health.recovery, health.recovery);
  }
  if (stream) config.stream = { ...config.stream, ...stream };
  if (mqtt) {
    const { passwordFile, caFile, ...rest } = mqtt;
    // Only the URL is required, and a later source (--mqtt) may give just that: the merged section is checked at the end.
    config.mqtt = { ...config.mqtt, ...rest } as Config['mqtt'];
    if (passwordFile !== undefined) config.mqtt!.passwordFile = resolve(baseDir, passwordFile);
    if (caFile !== undefined) config.mqtt!.caFile = resolve(baseDir, caFile);
  }
  if (device) config.device = { ...config.device, ...device };
  if (dataDir !== undefined) config.dataDir = resolve(baseDir, dataDir);
  if (retention) {
    const { perCamera, ...overall } = retention;
    Object.assign(config.retention, overall);
    if (perCamera) config.retention.perCamera = { ...config.retention.perCamera, ...perCamera };
  }
  if (sim) {
    const { script, ...rest } = sim;
    Object.assign(config.sim, rest);
    if (script !== undefined) config.sim.script = resolve(baseDir, script);
  }
}

function configIssueError(sourceName: string, issue: z.core.$ZodIssue, values: unknown): Esp32CamError {
  const key = issue.path.map(String).join('.');
  // cameras.2.name is looked up as cameras.name: hints and known keys do not depend on the position.
  const generic = issue.path
    .filter((part) => typeof part !== 'number')
    .map(String)
    .join('.');
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys[0];
    const fullKey = key ? `${key}.${unknown}` : unknown;
    const known = KNOWN_KEYS[generic] ?? [];
    const guess = closest(unknown, known);
    return new Esp32CamError(
      'E_CONFIG',
      `${sourceName}: unknown key "${fullKey}"`,
      guess ? `Did you mean "${guess}"? Remove the key or fix its spelling.` : `Remove it or fix its spelling; the keys allowed here are ${known.join(', ')}.`,
    );
  }
  if (key === '') {
    return new Esp32CamError(
      'E_CONFIG',
      `${sourceName}: the configuration must be a JSON object, not ${describe(values)}`,
      'Write it as an object such as {"port": 8080, "camera": "sim"}.',
    );
  }
  return new Esp32CamError(
    'E_CONFIG',
    `${sourceName}: ${key}: ${issue.message}`,
    CONFIG_HINTS[generic] ?? CONFIG_HINTS[generic.split('.')[0]] ?? 'Fix the value.',
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The known key a typo most likely meant: at most two edits away. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** Reads a JSON config file as a source; a missing, unreadable or malformed file is E_CONFIG. */
export async function readConfigFile(path: string, cwd = process.cwd()): Promise<ConfigSource> {
  const full = resolve(cwd, path);
  const name = `config file ${full}`;
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    const code = systemErrorCode(err);
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a folder, not a file'
            : `cannot be read (${code ?? String(err)})`;
    throw new Esp32CamError('E_CONFIG', `${name} ${why}`, 'Check the path given with --config or ESP32CAM_CONFIG.', {
      cause: err,
    });
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    throw new Esp32CamError(
      'E_CONFIG',
      `${name} is not valid JSON: ${(err as Error).message}`,
      'Fix the JSON syntax (keys and strings in double quotes, no trailing commas).',
      { cause: err },
    );
  }
  return { name, values, baseDir: dirname(full) };
}

export interface LoadConfigOptions {
  /** `--config FILE`; falls back to `ESP32CAM_CONFIG`. */
  file?: string;
  /** Values from command-line flags, already shaped like the config. */
  flags?: unknown;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  devDir?: string;
}

/** defaults → config file → flags, later wins. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<Config> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const sources: ConfigSource[] = [];
  const file = opts.file ?? (env.ESP32CAM_CONFIG || undefined);
  if (file) sources.push(await readConfigFile(file, cwd));
  if (opts.flags !== undefined) sources.push({ name: 'command line', values: opts.flags, baseDir: cwd });
  return resolveConfig(sources, { cwd, devDir: opts.devDir });
}

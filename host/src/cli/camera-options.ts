import { Option, type Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';

export interface CameraFlags {
  camera?: string;
  protocol?: string;
  config?: string;
  simScript?: string;
}

export interface ServeFlags extends CameraFlags {
  /** false with --no-auth. */
  auth?: boolean;
  host?: string;
  port?: string;
  dataDir?: string;
}

/** The options every command that talks to a camera takes. */
export function addCameraOptions(command: Command): Command {
  return command
    .option('--camera <spec>', 'sim, or i2c:BUS@ADDRESS like i2c:1@0x2c (default: sim when this machine has no I2C bus)')
    .addOption(new Option('--protocol <protocol>', 'slave protocol: auto detects, legacy forces the original script').choices(['auto', 'legacy']))
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--sim-script <path>', 'MicroPython slave script for the simulated board');
}

/** Flags shaped like a config layer, so they are validated with the same messages as the file. */
function flagsLayer(flags: ServeFlags): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  if (flags.camera !== undefined) layer.camera = flags.camera;
  if (flags.protocol !== undefined) layer.protocol = flags.protocol;
  if (flags.host !== undefined) layer.host = flags.host;
  // A non-numeric port stays a string so validation reports it instead of silently becoming NaN.
  if (flags.port !== undefined) layer.port = /^\d+$/.test(flags.port) ? Number(flags.port) : flags.port;
  if (flags.dataDir !== undefined) layer.dataDir = flags.dataDir;
  if (flags.auth === false) layer.auth = { mode: 'off' };
  if (flags.simScript !== undefined) layer.sim = { script: flags.simScript };
  return layer;
}

/** defaults → config file (--config or ESP32CAM_CONFIG) → flags. */
export function configFromFlags(flags: ServeFlags): Promise<Config> {
  return loadConfig({ file: flags.config, flags: flagsLayer(flags) });
}

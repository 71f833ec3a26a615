import { Option, type Command } from 'commander';
import { parseCameraSpec } from '../config/camera-spec.js';
import { loadConfig } from '../config/load-config.js';
import { DEFAULT_CAMERA_NAME, type CameraConfig, type Config } from '../config/schema.js';
import { Esp32CamError } from '../errors.js';

export interface CameraFlags {
  dataDir?: string;
  /** Every --camera given: `NAME=SPEC`, a bare `SPEC`, or (for one-camera commands) a configured `NAME`. */
  camera?: string[];
  protocol?: string;
  config?: string;
  simScript?: string;
}

export interface ServeFlags extends CameraFlags {
  /** false with --no-auth. */
  auth?: boolean;
  host?: string;
  port?: string;
  /** --mqtt URL: the broker, over the config file's mqtt.url. */
  mqtt?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The options every command that talks to a camera takes. */
export function addCameraOptions(command: Command, use: 'many' | 'one' = 'one'): Command {
  const help =
    use === 'many'
      ? 'a camera as NAME=SPEC, e.g. front=i2c:1@0x2c or back=sim@0x2d; repeat for each camera (a bare SPEC is named "cam")'
      : 'the camera: a configured NAME, a SPEC (sim, sim@0x2d, i2c:1@0x2c) or NAME=SPEC (default: the first configured camera)';
  return command
    .option('--camera <camera>', help, collect)
    .addOption(new Option('--protocol <protocol>', 'slave protocol: auto detects, legacy forces the original script').choices(['auto', 'legacy']))
    .option('--config <file>', 'JSON config file (default: $ESP32CAM_CONFIG)')
    .option('--sim-script <path>', 'MicroPython slave script for the simulated board');
}

/** One-camera commands also take the data folder: a service running there is used instead of the bus. */
export function addOneCameraOptions(command: Command): Command {
  return addCameraOptions(command, 'one').option('--data-dir <dir>', 'the data folder of a service to go through, when one runs (default ./data)');
}

interface CameraChoice {
  /** Cameras the flags define, shaped like the config's `cameras`. */
  defined: Array<{ name: string; camera: string }>;
  /** A configured camera the flags pick by name. */
  picked?: string;
}

/** Splits --camera values into definitions (NAME=SPEC, SPEC) and at most one pick of a configured NAME. */
function cameraChoice(values: string[], use: 'many' | 'one'): CameraChoice {
  const choice: CameraChoice = { defined: [] };
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq >= 0) {
      choice.defined.push({ name: value.slice(0, eq).trim(), camera: value.slice(eq + 1).trim() });
    } else if (parseCameraSpec(value)) {
      choice.defined.push({ name: DEFAULT_CAMERA_NAME, camera: value });
    } else if (use === 'one' && choice.picked === undefined && /^[a-z0-9-]+$/.test(value)) {
      choice.picked = value;
    } else {
      throw new Esp32CamError(
        'E_CONFIG',
        `--camera ${value}: not a camera`,
        use === 'many'
          ? 'Give each camera as NAME=SPEC, e.g. --camera front=i2c:1@0x2c --camera back=sim@0x2d.'
          : 'Give one camera: a configured name, a spec such as sim or i2c:1@0x2c, or NAME=SPEC.',
      );
    }
  }
  return choice;
}

/** Flags shaped like a config layer, so they are validated with the same messages as the file. */
function flagsLayer(flags: ServeFlags, defined: CameraChoice['defined']): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  if (defined.length > 0) layer.cameras = defined;
  if (flags.protocol !== undefined) layer.protocol = flags.protocol;
  if (flags.host !== undefined) layer.host = flags.host;
  // A non-numeric port stays a string so validation reports it instead of silently becoming NaN.
  if (flags.port !== undefined) layer.port = /^\d+$/.test(flags.port) ? Number(flags.port) : flags.port;
  if (flags.dataDir !== undefined) layer.dataDir = flags.dataDir;
  if (flags.auth === false) layer.auth = { mode: 'off' };
  if (flags.simScript !== undefined) layer.sim = { script: flags.simScript };
  if (flags.mqtt !== undefined) layer.mqtt = { url: flags.mqtt };
  return layer;
}

/** defaults → config file (--config or ESP32CAM_CONFIG) → flags. */
export function configFromFlags(flags: ServeFlags): Promise<Config> {
  const { defined } = cameraChoice(flags.camera ?? [], 'many');
  return loadConfig({ file: flags.config, flags: flagsLayer(flags, defined) });
}

/**
 * For commands that talk to one camera: the config, and the camera the flags mean (the first by default).
 * A name is looked up in the config, then among `alsoKnown` (the cameras of a service running on the data
 * folder, which the CLI's own config need not list).
 */
export async function oneCameraFromFlags(
  flags: CameraFlags,
  alsoKnown: (config: Config) => Promise<Array<{ name: string; camera: string }>> = async () => [],
): Promise<{ config: Config; camera: CameraConfig }> {
  const { defined, picked } = cameraChoice(flags.camera ?? [], 'one');
  const config = await loadConfig({ file: flags.config, flags: flagsLayer(flags, defined) });
  if (picked === undefined) return { config, camera: config.cameras[0] };
  let camera = config.cameras.find((c) => c.name === picked);
  if (!camera) {
    const known = (await alsoKnown(config)).find((c) => c.name === picked);
    if (known) camera = { name: known.name, camera: known.camera, protocol: config.protocol, sim: {} };
  }
  if (!camera) {
    throw new Esp32CamError(
      'E_CONFIG',
      `--camera ${picked}: "${picked}" is not a camera: no configured camera has that name, and it is not a spec`,
      `The configured cameras are ${config.cameras.map((c) => c.name).join(', ')}; a spec looks like sim, sim@0x2d or i2c:1@0x2c.`,
    );
  }
  return { config, camera };
}

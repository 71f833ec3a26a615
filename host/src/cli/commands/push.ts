import type { Command } from 'commander';
import { DEFAULT_CAMERA_ADDRESS, parseCameraSpec, type CameraConfig } from '../../config/index.js';
import { CameraClient } from '../../devices/camera/camera-client.js';
import type { PingResult } from '../../devices/camera/types.js';
import { Esp32CamError } from '../../errors.js';
import { withReplSession } from '../../services/device-session.js';
import type { SimulatedEsp32Cam } from '../../sim/index.js';
import { confirmScriptRuns, type RunCheck } from '../../services/script-run.js';
import { bundledScriptItems, checkPushItems, fileItems, pushScripts, summarisePush } from '../../services/script-push.js';
import { openI2cBus } from '../../transports/i2c-bus-transport.js';
import { collectSetting, deviceSettings } from '../device-settings.js';
import { oneCameraFromFlags } from '../camera-options.js';
import { formatMs } from '../format.js';
import { PushView } from '../push-view.js';
import { addSerialPortOptions, withSerialPort, type SerialPortFlags } from '../serial-port-choice.js';

interface PushFlags extends SerialPortFlags {
  run?: boolean;
  to?: string;
  force?: boolean;
  set?: string[];
  config?: string;
  camera?: string;
}

export function registerPushCommand(program: Command): void {
  addSerialPortOptions(
    program
      .command('push')
      .description('copy scripts to the board (with no files: the bundled slave script as main.py and its camconfig.py), verified and atomic')
      .argument('[files...]', 'local files to copy; none installs device-scripts/main.py and camconfig.py'),
  )
    .option('--to <dir>', 'folder on the board for the named files (default: the root)')
    .option('--force', 'send files even when the board already holds the same bytes')
    .option('--run', 'reset the board afterwards and check that the script starts (and answers an I2C ping when a camera is configured)')
    .option('--set <name=value>', 'a camconfig.py setting for the bundled script, e.g. --set I2C_ADDRESS=0x2d (repeatable)', collectSetting)
    .option('--config <file>', 'JSON config file; its "device" section holds camconfig.py settings (default: $ESP32CAM_CONFIG)')
    .option('--camera <spec>', 'with --run: the I2C camera to ping, e.g. i2c:1@0x2c')
    .action((files: string[], flags: PushFlags) => pushCommand(files, flags));
}

async function pushCommand(files: string[], flags: PushFlags): Promise<void> {
  const { config, camera } = await oneCameraFromFlags({ config: flags.config, camera: flags.camera !== undefined ? [flags.camera] : undefined });
  const bundled = files.length === 0;
  if (bundled && flags.to !== undefined) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      '--to applies to named files only',
      "The bundled script must be the board's /main.py to start at boot; drop --to, or name the files to put in that folder.",
    );
  }
  if (!bundled && flags.set?.length) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      "--set applies to the bundled script's camconfig.py only",
      'Push without naming files to install the bundled script with these settings, or edit your own files.',
    );
  }
  // Everything that can be wrong with the input is found before a port is opened or a byte is sent.
  const items = await checkPushItems(bundled ? bundledScriptItems(deviceSettings(config, flags.set)) : fileItems(files, flags.to));
  const view = new PushView();
  // A camera tied to its serial port (`serialPort` in the config) is pushed to there unless --port says otherwise.
  await withSerialPort({ ...flags, port: flags.port ?? camera.serialPort }, (spec, sim) =>
    withReplSession(spec, 'esp32cam push', async (session) => {
      try {
        const results = await pushScripts(session.client, items, {
          force: flags.force,
          onProgress: (p) => view.progress(p),
          onFile: (r) => view.file(r),
          onStaleTemps: (paths) => process.stderr.write(`esp32cam: removed ${paths.length} temp file(s) an interrupted push left: ${paths.join(', ')}\n`),
        });
        view.summary(summarisePush(results));
      } finally {
        view.stopBar();
      }
      if (!flags.run) return;
      const check = await confirmScriptRuns(session, { expectBanner: bundled, ping: sim ? simPinger(sim, camera) : i2cPinger(camera) });
      printRun(check);
    }),
  );
}

/** The simulated board's own I2C side: the slave the pushed script runs answers there. */
function simPinger(sim: SimulatedEsp32Cam, camera: CameraConfig): (address?: number) => Promise<PingResult> {
  return async (address) => {
    const client = new CameraClient({ bus: sim, address: address ?? sim.info().address ?? DEFAULT_CAMERA_ADDRESS, protocol: camera.protocol });
    try {
      return await client.ping();
    } finally {
      client.close();
    }
  };
}

/** With a real I2C camera configured, a ping at the address the script announced (or the configured one). */
function i2cPinger(camera: CameraConfig): ((address?: number) => Promise<PingResult>) | undefined {
  const spec = parseCameraSpec(camera.camera);
  if (!spec || spec.kind !== 'i2c') return undefined;
  return async (address) => {
    const bus = await openI2cBus(spec.bus);
    const client = new CameraClient({ bus, address: address ?? spec.address, protocol: camera.protocol });
    try {
      return await client.ping();
    } finally {
      client.close();
      await bus.close();
    }
  };
}

function printRun(check: RunCheck): void {
  const how = check.reset === 'rts' ? 'hard reset through RTS' : check.reset === 'machine.reset' ? 'machine.reset()' : 'soft reset';
  process.stdout.write(`reset the board (${how}); ${check.banner ? `the script started: ${check.banner}` : 'it printed no error'}\n`);
  if (check.ping) {
    const firmware = check.ping.firmware ? `, firmware ${check.ping.firmware}` : '';
    process.stdout.write(
      `I2C ping${check.address !== undefined ? ` at 0x${check.address.toString(16)}` : ''}: answered in ${formatMs(check.ping.roundTripMs)} (protocol ${check.ping.protocol}${firmware})\n`,
    );
  }
}

import { adviseOnAllocator } from '../../app/allocator-tuning.js';
import { startServer } from '../../app/index.js';
import type { CameraStatus } from '../../services/cameras/index.js';
import { configFromFlags, type ServeFlags } from '../camera-options.js';
import { formatBytes } from '../format.js';
import { openUrl } from '../open-url.js';
import type { MqttStatus } from '../../services/mqtt/index.js';

function describeCamera(camera: CameraStatus): string {
  const state =
    camera.online === true
      ? `online, protocol ${camera.protocol ?? 'unknown'}`
      : camera.online === false
        ? `offline: ${camera.lastError?.message ?? 'no answer'}`
        : 'not contacted yet';
  const kind = camera.simulated
    ? `simulated ESP32-CAM on simulated bus ${camera.bus} at ${camera.address}`
    : `ESP32-CAM on /dev/i2c-${camera.bus} at ${camera.address}`;
  const port = camera.serialPort ? `, serial ${camera.serialPort}` : '';
  return `esp32cam: camera "${camera.name}" ${camera.spec} (${kind}${port}; ${state})\n`;
}

/** Where the MQTT bridge publishes; it connects in the background, so this says where, not whether. */
function mqttLine(mqtt: MqttStatus): string {
  if (!mqtt.enabled) return '';
  return `esp32cam: MQTT to ${mqtt.broker} under ${mqtt.baseTopic}/${mqtt.hostId}/ (Home Assistant discovery on ${mqtt.discoveryPrefix}/)\n`;
}

/** Runs the service until SIGINT/SIGTERM, then closes the cameras and the simulated boards cleanly. */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = await configFromFlags(flags);
  // The handlers go on before anything starts: a SIGTERM during start-up (systemd stopping a unit that is
  // still starting) must close what was opened, not kill the process half-way.
  let requestStop: () => void = () => undefined;
  let stopping = false;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const stop = (): void => {
    stopping = true;
    requestStop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (err) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    throw err;
  }
  if (!stopping) {
    announce(server, config);
    adviseOnAllocator();
  }
  await stopRequested;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  process.stdout.write('esp32cam: stopping\n');
  await server.close().catch(() => undefined);
}

function announce(server: Awaited<ReturnType<typeof startServer>>, config: Awaited<ReturnType<typeof configFromFlags>>): void {
  const { cameras, store } = server.services.cameras.status();
  const access =
    server.token === undefined
      ? config.auth.mode === 'off'
        ? 'esp32cam: WARNING: --no-auth: anyone who can reach this port can flash, push, run code on the board and see every photo.\n' +
          'esp32cam: WARNING: use it only behind a proxy that authenticates; otherwise drop --no-auth (or "auth": {"mode": "off"}).\n'
        : ''
      : `esp32cam: access token ${server.tokenCreated ? 'made now' : 'in force'}; open ${openUrl(config.host, server.port, server.token)}\n` +
        'esp32cam: (`esp32cam token` prints it again; `esp32cam token --rotate` replaces it)\n';
  process.stdout.write(
    `esp32cam: serving ${server.url}\n` +
      access +
      cameras.map(describeCamera).join('') +
      `esp32cam: photos in ${config.dataDir} (${store.photos} kept, ${formatBytes(store.bytes)})\n` +
      mqttLine(server.services.mqtt.status()),
  );
}

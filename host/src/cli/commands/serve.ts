import { startServer } from '../../http/server.js';
import { configFromFlags, type ServeFlags } from '../camera-options.js';
import { formatBytes } from '../format.js';

/** Runs the service until SIGINT/SIGTERM, then closes the camera and the simulated board cleanly. */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = await configFromFlags(flags);
  const server = await startServer(config);
  const { camera, store } = server.services.capture.status();
  const state = camera.online === true ? `online, protocol ${camera.protocol ?? 'unknown'}`
    : camera.online === false ? `offline: ${camera.lastError?.message ?? 'no answer'}` : 'not contacted yet';
  const kind = camera.simulated ? 'simulated ESP32-CAM' : `ESP32-CAM on /dev/i2c-${camera.bus} at ${camera.address}`;
  process.stdout.write(
    `esp32cam: serving ${server.url}\n` +
      `esp32cam: camera ${camera.spec} (${kind}; ${state})\n` +
      `esp32cam: photos in ${config.dataDir} (${store.photos} kept, ${formatBytes(store.bytes)})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('esp32cam: stopping\n');
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

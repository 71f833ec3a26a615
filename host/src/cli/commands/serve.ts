import { startServer } from '../../http/server.js';
import { configFromFlags, type ServeFlags } from '../camera-options.js';
import { formatBytes } from '../format.js';
import { openUrl } from '../open-url.js';

/** Runs the service until SIGINT/SIGTERM, then closes the camera and the simulated board cleanly. */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = await configFromFlags(flags);
  const server = await startServer(config);
  const { camera, store } = server.services.capture.status();
  const state = camera.online === true ? `online, protocol ${camera.protocol ?? 'unknown'}`
    : camera.online === false ? `offline: ${camera.lastError?.message ?? 'no answer'}` : 'not contacted yet';
  const kind = camera.simulated ? 'simulated ESP32-CAM' : `ESP32-CAM on /dev/i2c-${camera.bus} at ${camera.address}`;
  const access = server.token === undefined
    ? config.auth.mode === 'off'
      ? 'esp32cam: WARNING: --no-auth: anyone who can reach this port can flash, push, run code on the board and see every photo.\n'
        + 'esp32cam: WARNING: use it only behind a proxy that authenticates; otherwise drop --no-auth (or "auth": {"mode": "off"}).\n'
      : ''
    : `esp32cam: access token ${server.tokenCreated ? 'made now' : 'in force'}; open ${openUrl(config.host, server.port, server.token)}\n`
      + 'esp32cam: (`esp32cam token` prints it again; `esp32cam token --rotate` replaces it)\n';
  process.stdout.write(
    `esp32cam: serving ${server.url}\n` + access +
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

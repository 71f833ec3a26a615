import { resolveConfig } from '../config/load-config.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { serveHttp } from '../http/server.js';
import { localUrl, removeRuntimeFile, writeRuntimeFile } from '../services/runtime-file.js';
import { startServices, type ServiceOptions, type Services } from '../services/start-services.js';
import type { SimulatedEsp32Cam } from '../sim/index.js';
import type { I2cTransaction } from '../transports/shared-i2c-bus.js';
import { openHardware, type OpenedHardware } from './hardware.js';
import { startSystemdNotify, type SystemdNotifyOptions, type Watchdog } from './systemd-notify.js';

export interface RunningServer {
  /** `http://127.0.0.1:8080` (the address actually bound, with the port actually chosen). */
  url: string;
  /** The access token when one is needed (bound off loopback, or auth mode "token"); undefined otherwise. */
  token: string | undefined;
  /** Whether the token was made at this start (first start, or the file was missing). */
  tokenCreated: boolean;
  port: number;
  config: Config;
  services: Services;
  /** The buses and simulated boards under the cameras. */
  hardware: OpenedHardware;
  /** The first camera's simulated board, when it is simulated (tests inject faults through it). */
  sim: SimulatedEsp32Cam | undefined;
  /** The serial port of the first camera's simulated board (`sim:cam`), when there is one. */
  simPort: string | undefined;
  /**
   * systemd's watchdog: a check added here runs before every WATCHDOG=1 ping, which is withheld while any
   * check fails. Does nothing unless systemd started the service with NOTIFY_SOCKET (and WatchdogSec).
   */
  watchdog: Watchdog;
  /** Tells systemd STOPPING=1, stops accepting requests, drops sockets, closes the cameras, the buses and the simulated boards. */
  close(): Promise<void>;
}

export interface ServerOptions extends ServiceOptions {
  /** Sees every I2C transaction of every bus (the trace log; tests check whose turn it was). */
  onTransaction?: (t: I2cTransaction) => void;
  /** READY=1, STOPPING=1 and the watchdog pings; by default read from process.env (NOTIFY_SOCKET, WATCHDOG_USEC). */
  systemd?: SystemdNotifyOptions;
}

/**
 * The service's composition root: resolves the config (`input` is validated like a config file), opens the
 * real or simulated hardware each camera names, starts the services on it and puts them on the network.
 */
export async function startServer(input: ConfigInput | Config = {}, opts: ServerOptions = {}): Promise<RunningServer> {
  const { log } = opts;
  const config = resolveConfig([{ name: 'server options', values: input, baseDir: process.cwd() }]);
  // Made first, so that whatever starts below can add its watchdog check before READY=1.
  const systemd = startSystemdNotify(opts.systemd);
  let hardware: OpenedHardware | undefined;
  const services = await startServices(
    config,
    async () => {
      hardware = await openHardware(config.cameras, config, {
        flashDir: config.dataDir,
        serialPorts: true,
        owner: 'esp32cam service',
        onTransaction: opts.onTransaction,
      });
      return hardware;
    },
    opts,
  );
  const opened = hardware!;
  // Every camera's monitor loop must keep running for systemd to hear that all is well.
  systemd.addCheck('camera monitors', () => services.health.alive());
  let http: Awaited<ReturnType<typeof serveHttp>>;
  try {
    http = await serveHttp(services, { log });
  } catch (err) {
    await services.close();
    throw err;
  }
  // A CLI on this machine finds the service here, and goes through it instead of touching the bus.
  try {
    await writeRuntimeFile(config.dataDir, {
      pid: process.pid,
      url: localUrl(config.host, http.port),
      startedAt: new Date().toISOString(),
      cameras: config.cameras.map((c) => ({ name: c.name, camera: c.camera })),
    });
  } catch (err) {
    await http.close();
    await services.close();
    throw err;
  }
  // Only now does the service serve: the HTTP server listens and a CLI can find it.
  systemd.ready(`serving ${http.url}`);
  const first = config.cameras[0].name;
  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    port: http.port,
    get token() {
      return http.token;
    },
    tokenCreated: http.tokenCreated,
    config,
    services,
    hardware: opened,
    sim: opened.boards.get(first),
    simPort: services.cameras.first.camera.serialPort?.startsWith('sim:') ? services.cameras.first.camera.serialPort : undefined,
    watchdog: systemd,
    close() {
      closing ??= (async () => {
        await systemd.stop();
        await removeRuntimeFile(config.dataDir);
        await http.close();
        await services.close();
      })();
      return closing;
    },
  };
}

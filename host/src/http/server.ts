import { createServer, type Server as HttpServer } from 'node:http';
import express from 'express';
import { resolveConfig } from '../config/load-config.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { webDir } from '../paths.js';
import { startServices, type ServiceOptions, type Services } from '../services/start-services.js';
import { cameraRoutes } from './camera-routes.js';
import { attachConsole } from './console-socket.js';
import { apiNotFound, errorHandler } from './error-responses.js';
import { firmwareRoutes, relayFlashJobs } from './firmware-routes.js';
import { photoRoutes } from './photo-routes.js';
import { attachRealtime } from './realtime.js';
import { relayPushJobs, scriptRoutes } from './script-routes.js';
import { vendorRoutes } from './vendor-routes.js';

export interface RunningServer {
  /** `http://127.0.0.1:8080` (the address actually bound, with the port actually chosen). */
  url: string;
  port: number;
  config: Config;
  services: Services;
  /** Stops accepting requests, drops sockets, closes the camera and the simulated board. */
  close(): Promise<void>;
}

export type ServerOptions = ServiceOptions;

function buildApp(services: Services, log: (line: string) => void): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use('/api', express.json({ limit: '16kb' }));
  app.use(photoRoutes(services));
  app.use(cameraRoutes(services));
  app.use(firmwareRoutes(services));
  app.use(scriptRoutes(services.pushJobs));
  app.use('/api', apiNotFound);
  app.use(vendorRoutes());
  app.use(express.static(webDir(), { dotfiles: 'ignore', index: 'index.html', redirect: false }));
  app.use(apiNotFound);
  app.use(errorHandler(log));
  return app;
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = systemErrorCode(err);
      if (code === 'EADDRINUSE') {
        reject(new Esp32CamError('E_CONFIG', `Port ${port} on ${host} is already in use`, 'Stop the other program or choose another port with --port.', { cause: err }));
      } else if (code === 'EACCES') {
        reject(new Esp32CamError('E_CONFIG', `No permission to listen on port ${port}`, 'Use a port above 1023, such as 8080.', { cause: err }));
      } else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        reject(new Esp32CamError('E_CONFIG', `Cannot listen on host "${host}": no such address here`, 'Use 127.0.0.1, 0.0.0.0 or an address of this machine.', { cause: err }));
      } else {
        reject(err);
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Starts the whole service: photo store, camera (booting the simulated board for `camera: 'sim'`), the
 * HTTP API, the web page and socket.io, on one http server. `input` is validated like a config file.
 */
export async function startServer(input: ConfigInput | Config = {}, opts: ServerOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const config = resolveConfig([{ name: 'server options', values: input, baseDir: process.cwd() }]);
  const services = await startServices(config, { ...opts, log });
  const server = createServer(buildApp(services, log));
  const io = attachRealtime(server, services.capture);
  relayFlashJobs(io, services.flashJobs);
  relayPushJobs(io, services.pushJobs);
  attachConsole(io, services.consoles);
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await services.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    config,
    services,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => io.close(() => resolve()));
        server.closeAllConnections();
        await serverClosed;
        await services.close();
      })();
      return closing;
    },
  };
}

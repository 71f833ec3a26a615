import { createServer, type Server as HttpServer } from 'node:http';
import express from 'express';
import type { Config } from '../config/schema.js';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { webDir } from '../paths.js';
import type { Services } from '../services/start-services.js';
import { cameraRoutes } from './camera-routes.js';
import { cwsRoutes } from './cws-routes.js';
import { attachConsole } from './console-socket.js';
import { apiNotFound, errorHandler } from './error-responses.js';
import { exportRoutes } from './export-routes.js';
import { firmwareRoutes } from './firmware-routes.js';
import { healthRoutes, relayHealth } from './health-routes.js';
import { jobRoutes, relayJobs } from './job-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { photoRoutes } from './photo-routes.js';
import { attachRealtime } from './realtime.js';
import { scriptRoutes } from './script-routes.js';
import { relaySchedules, scheduleRoutes } from './schedule-routes.js';
import { relaySettings, settingsRoutes } from './settings-routes.js';
import { streamRoutes } from './stream-routes.js';
import { vendorRoutes } from './vendor-routes.js';
import { requestLog } from './request-log.js';
import { logger } from '../log/index.js';
import { AccessToken } from '../services/auth/index.js';
import {
  Gatekeeper,
  cspNonce,
  dropRotatedSockets,
  pageWithNonce,
  hostCheck,
  hostPolicy,
  isLoopbackBinding,
  requireToken,
  sameOriginForActions,
  securityHeaders,
  socketAdmission,
} from './security/index.js';
import { clearUploads, UploadGate } from './upload/index.js';

/** `auto` asks for the token exactly when other machines can reach the service. */
export const needsToken = (config: Pick<Config, 'auth' | 'host'>): boolean =>
  config.auth.mode === 'token' || (config.auth.mode === 'auto' && !isLoopbackBinding(config.host));

export interface HttpService {
  /** `http://127.0.0.1:8080` (the address actually bound, with the port actually chosen). */
  url: string;
  /** The access token when one is needed (bound off loopback, or auth mode "token"); undefined otherwise. */
  token: string | undefined;
  /** Whether the token was made at this start (first start, or the file was missing). */
  tokenCreated: boolean;
  port: number;
  /** Stops accepting requests and drops sockets. */
  close(): Promise<void>;
}

interface Doors {
  allowsHost: (host: string | undefined) => boolean;
  gate: Gatekeeper;
  uploads: UploadGate;
}

function buildApp(services: Services, doors: Doors, log: ((line: string) => void) | undefined): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog);
  // The doors, in the order an attacker meets them (README, "Security").
  app.use(hostCheck(doors.allowsHost));
  app.use(cspNonce);
  app.use(securityHeaders);
  app.use(sameOriginForActions);
  app.use(requireToken(doors.gate, webDir()));
  app.use('/api', express.json({ limit: '16kb' }));
  app.use(photoRoutes(services.cameras));
  app.use(cameraRoutes(services.cameras, { mqtt: () => services.mqtt.status() }));
  app.use(streamRoutes(services.cameras, services.streams));
  app.use(exportRoutes(services));
  app.use(healthRoutes(services.health, services.cameras));
  app.use(settingsRoutes(services.settings));
  app.use(scheduleRoutes(services.schedules));
  app.use(cwsRoutes(services.cameras, services.settings));
  app.use(metricsRoutes(services.metrics));
  app.use(firmwareRoutes(services, doors.uploads));
  app.use(jobRoutes(services.flashJobs, services.pushJobs));
  app.use(scriptRoutes(services.pushJobs, { dataDir: services.config.dataDir, limitBytes: services.config.limits.scriptBytes, gate: doors.uploads }));
  app.use('/api', apiNotFound);
  app.use(vendorRoutes());
  app.get(['/', '/index.html'], pageWithNonce(webDir()));
  app.use(express.static(webDir(), { dotfiles: 'ignore', index: false, redirect: false }));
  app.use(apiNotFound);
  app.use(errorHandler(log));
  return app;
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = systemErrorCode(err);
      if (code === 'EADDRINUSE') {
        reject(
          new Esp32CamError('E_CONFIG', `Port ${port} on ${host} is already in use`, 'Stop the other program or choose another port with --port.', {
            cause: err,
          }),
        );
      } else if (code === 'EACCES') {
        reject(new Esp32CamError('E_CONFIG', `No permission to listen on port ${port}`, 'Use a port above 1023, such as 8080.', { cause: err }));
      } else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        reject(
          new Esp32CamError('E_CONFIG', `Cannot listen on host "${host}": no such address here`, 'Use 127.0.0.1, 0.0.0.0 or an address of this machine.', {
            cause: err,
          }),
        );
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
 * Puts the service on the network: the HTTP API, the web page and socket.io on one http server, behind
 * the doors (README, "Security"). Closing it leaves the services to whoever started them.
 */
export async function serveHttp(services: Services, opts: { log?: (line: string) => void } = {}): Promise<HttpService> {
  const { log } = opts;
  const { config } = services;
  let access: AccessToken | undefined;
  let tokenCreated = false;
  if (needsToken(config)) ({ access, created: tokenCreated } = await AccessToken.open({ dataDir: config.dataDir, configured: config.auth.token }));
  try {
    const leftovers = await clearUploads(config.dataDir);
    if (leftovers > 0) {
      const text = `removed ${leftovers} unfinished upload(s) left by an earlier run`;
      if (log) log(`esp32cam: ${text}`);
      else logger('http').warn(text);
    }
  } catch (err) {
    access?.close();
    throw err;
  }
  const doors: Doors = {
    allowsHost: hostPolicy({ bound: config.host, allowed: config.allowedHosts }),
    gate: new Gatekeeper(access),
    uploads: new UploadGate(config.limits.uploadsInFlight),
  };
  const server = createServer(buildApp(services, doors, log));
  const io = attachRealtime(server, services.cameras, socketAdmission(doors.allowsHost, doors.gate));
  dropRotatedSockets(io, doors.gate);
  relayJobs(io, services.flashJobs, services.pushJobs);
  relayHealth(io, services.health);
  relaySettings(io, services.settings);
  relaySchedules(io, services.schedules);
  attachConsole(io, services.consoles);
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    access?.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    get token() {
      return access?.current();
    },
    tokenCreated,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => io.close(() => resolve()));
        server.closeAllConnections();
        await serverClosed;
        access?.close();
      })();
      return closing;
    },
  };
}

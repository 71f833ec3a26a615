import type { Config } from '../config/schema.js';
import { Esp32CamError } from '../errors.js';
import { readTokenFile } from '../services/auth/token-file.js';
import { readRuntimeFile, runtimePath, type RuntimeInfo } from '../services/runtime-file.js';

export type ServiceCall = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<Response>;

/** Calls the running service's HTTP API with its token; its errors come back as Esp32CamErrors. */
export async function serviceCall(config: Config, service: RuntimeInfo): Promise<ServiceCall> {
  const token = config.auth.token ?? (await readTokenFile(config.dataDir).catch(() => undefined));
  return async (method, path, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, service.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new Esp32CamError(
        'E_BUS_CLAIMED',
        `The esp32cam service (pid ${service.pid}) does not answer at ${service.url}: ${(err as Error).message}`,
        `This command goes through the running service. Check the service (its log, or \`kill ${service.pid}\` to stop it); ${runtimePath(config.dataDir)} says where it listens.`,
        { cause: err },
      );
    }
    if (!res.ok) throw await remoteError(res);
    return res;
  };
}

/** The service running on `config.dataDir`, or E_NOT_FOUND saying how to start one. */
export async function runningService(config: Config): Promise<{ service: RuntimeInfo; call: ServiceCall }> {
  const service = await readRuntimeFile(config.dataDir);
  if (!service) {
    throw new Esp32CamError(
      'E_NOT_FOUND',
      `No esp32cam service runs on the data folder ${config.dataDir}`,
      'Start it with `esp32cam serve` (or `npm start`), or point --data-dir (or --config) at the folder the service uses.',
    );
  }
  return { service, call: await serviceCall(config, service) };
}

async function remoteError(res: Response): Promise<Esp32CamError> {
  let payload: { error?: { code?: string; message?: string; hint?: string } } = {};
  try {
    payload = (await res.json()) as typeof payload;
  } catch {
    // not JSON: described by the status below
  }
  const e = payload.error;
  if (e?.code && e.message) return new Esp32CamError(e.code as never, e.message, e.hint ?? 'See the service log.');
  return new Esp32CamError('E_INTERNAL', `The service answered HTTP ${res.status}`, 'See the service log.');
}

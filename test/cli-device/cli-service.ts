/**
 * A running service for the built CLI to go through, as a user's Pi has one: the CLI runs in a fresh work
 * folder and finds the service through the data folder's service.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';

export interface CliWork {
  /** Where the CLI runs (its cwd). */
  work: string;
  /** The service's data folder, inside `work`. */
  dataDir: string;
  remove(): Promise<void>;
}

export async function cliWork(prefix: string): Promise<CliWork> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  return { work, dataDir: join(work, 'data'), remove: () => rm(work, { recursive: true, force: true }) };
}

export interface CliService extends CliWork {
  server: RunningServer;
  /** Stops the service and removes the work folder. */
  close(): Promise<void>;
}

/**
 * A service with auth "token" even on loopback, so the CLI must find the token the service made. `config`
 * adds to (or overrides) that; the service's own health checks are off unless `opts` says otherwise.
 */
export async function startCliService(
  prefix: string,
  config: ConfigInput,
  opts: ServerOptions = { healthIntervalMs: 0, log: () => undefined },
): Promise<CliService> {
  const dir = await cliWork(prefix);
  try {
    const server = await startServer({ port: 0, dataDir: dir.dataDir, auth: { mode: 'token' }, ...config }, opts);
    return {
      ...dir,
      server,
      close: async () => {
        await server.close();
        await dir.remove();
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}

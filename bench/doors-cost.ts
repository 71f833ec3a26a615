import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../host/src/app/index.js';

export interface DoorsCost {
  requests: number;
  /** Milliseconds per GET /api/status, by how the request came in: the best of three medians. */
  loopbackNoToken: number;
  bearerToken: number;
  cookieToken: number;
  refusedForeignHost: number;
}

function timeRequests(port: number, n: number, headers: Record<string, string>, expectStatus: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const one = (i: number): void => {
      if (i === n) {
        agent.destroy();
        times.sort((a, b) => a - b);
        resolve(times[Math.floor(times.length / 2)]!);
        return;
      }
      const started = performance.now();
      const req = request(
        { host: '127.0.0.1', port, path: '/api/status', agent, headers: { host: `127.0.0.1:${port}`, ...headers }, setHost: false },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== expectStatus) {
              reject(new Error(`expected ${expectStatus}, got ${res.statusCode}`));
              return;
            }
            times.push(performance.now() - started);
            one(i + 1);
          });
        },
      );
      req.on('error', reject);
      req.end();
    };
    one(0);
  });
}

/**
 * What the doors cost a request: the same GET /api/status on loopback (Host, origin and header checks
 * only), and bound off loopback with the token as a Bearer header and as the cookie (plus the constant-time
 * compare and the token file's stat), and a refused foreign Host.
 */
export async function doorsCost(n = 2000): Promise<DoorsCost> {
  const dir = await mkdtemp(join(tmpdir(), 'esp32cam-bench-doors-'));
  const quiet = { healthIntervalMs: 0, log: () => undefined };
  const open = await startServer({ port: 0, dataDir: join(dir, 'a'), camera: 'sim' }, quiet);
  const guarded = await startServer({ host: '0.0.0.0', port: 0, dataDir: join(dir, 'b'), camera: 'sim' }, quiet);
  try {
    const token = guarded.token!;
    await timeRequests(open.port, 200, {}, 200); // warm-up
    await timeRequests(guarded.port, 200, { authorization: `Bearer ${token}` }, 200);
    // Three interleaved rounds, the best median of each kind: the order of the kinds does not favour one.
    const best = { loopbackNoToken: Infinity, bearerToken: Infinity, cookieToken: Infinity, refusedForeignHost: Infinity };
    for (let round = 0; round < 3; round++) {
      best.loopbackNoToken = Math.min(best.loopbackNoToken, await timeRequests(open.port, n, {}, 200));
      best.bearerToken = Math.min(best.bearerToken, await timeRequests(guarded.port, n, { authorization: `Bearer ${token}` }, 200));
      best.cookieToken = Math.min(best.cookieToken, await timeRequests(guarded.port, n, { cookie: `esp32cam_token=${token}` }, 200));
      best.refusedForeignHost = Math.min(best.refusedForeignHost, await timeRequests(open.port, n, { host: 'evil.example' }, 421));
    }
    return { requests: n, ...best };
  } finally {
    await Promise.all([open.close(), guarded.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';
import type { HealthEvent } from '../../host/src/services/health/camera-health.js';
import type { CameraHealthReport } from '../../host/src/services/health/camera-monitor.js';

export type CameraEvent = HealthEvent & { camera: string };

/** A running service with one simulated camera whose health events are collected from its first check on. */
export interface HealthRig {
  srv: RunningServer;
  events: CameraEvent[];
  /** Resolves with the first event (already seen or still to come) that matches; rejects with what was seen after `ms`. */
  waitFor(match: (e: CameraEvent) => boolean, what: string, ms?: number): Promise<CameraEvent>;
  /** Resolves once the camera's report matches. */
  waitForReport(match: (r: CameraHealthReport) => boolean, what: string, ms?: number): Promise<CameraHealthReport>;
  report(): CameraHealthReport;
  fault(body: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Checks often and gives up fast, so each case runs in seconds; every step still runs for real. */
export const QUICK_HEALTH: NonNullable<ConfigInput['health']> = {
  keepAliveMs: 300,
  recovery: { retries: 1, backoffMs: 200, maxBackoffMs: 400, jitter: 0, giveUpRetryMs: 1500, maxResetsPerHour: 3 },
};

export async function startHealthRig(health: ConfigInput['health'] = QUICK_HEALTH): Promise<HealthRig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-health-'));
  const events: CameraEvent[] = [];
  const waiters = new Set<() => void>();
  const srv = await startServer({ port: 0, host: '127.0.0.1', dataDir, camera: 'sim', health }, { log: () => undefined });
  srv.services.health.on('event', (e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  const monitor = srv.services.health.get('cam');
  const until = <T>(probe: () => T | undefined, what: string, ms: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out waiting for ${what}; events: ${events.map((e) => `${e.type}:${e.to ?? e.step ?? e.fault ?? ''}:${e.reason}`).join(' | ')}`),
        );
      }, ms);
      // Reports change without an event too (uptime, counters): look again now and then as well.
      const poll = setInterval(check, 100);
      const cleanup = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    srv,
    events,
    waitFor: (match, what, ms = 30_000) => until(() => events.find(match), what, ms),
    waitForReport: (match, what, ms = 30_000) =>
      until(
        () => {
          const r = monitor.report();
          return match(r) ? r : undefined;
        },
        what,
        ms,
      ),
    report: () => monitor.report(),
    fault: async (body) => {
      const res = await fetch(`${srv.url}/api/cameras/cam/sim-fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: srv.url },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`sim-fault ${JSON.stringify(body)}: HTTP ${res.status} ${await res.text()}`);
    },
    close: async () => {
      await srv.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

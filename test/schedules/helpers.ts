import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';
import type { ScheduleView } from '../../host/src/services/schedules/index.js';
import { FakeClock } from './fake-clock.js';
import { until } from '../helpers/until.js';

/** A Thursday noon, UTC, a second past the minute: the first slot of "every 10 s" is 9 s away. */
export const START = Date.UTC(2031, 0, 2, 12, 0, 1);

export interface Rig {
  server: RunningServer;
  clock: FakeClock;
  dataDir: string;
}

export async function newDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'esp32cam-schedules-'));
}

/** A service with one simulated camera ("cam") whose schedules run on `clock`; the keep-alive is off unless `health` says. */
export async function startRig(opts: { dataDir?: string; clock?: FakeClock; config?: ConfigInput } = {}): Promise<Rig> {
  const dataDir = opts.dataDir ?? (await newDataDir());
  const clock = opts.clock ?? new FakeClock(START);
  const server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir, camera: 'sim', ...opts.config },
    { ...(opts.config?.health ? {} : { healthIntervalMs: 0 }), log: () => undefined, scheduleClock: clock },
  );
  return { server, clock, dataDir };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  json: T & { error?: { code: string; message: string; hint: string } };
}

/** A request as the page makes it: same origin, JSON. */
export async function api<T = Record<string, unknown>>(server: RunningServer, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { origin: server.url, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Answer<T>['json'] };
}

export async function addSchedule(server: RunningServer, body: unknown, camera = 'cam'): Promise<ScheduleView> {
  const res = await api<ScheduleView>(server, 'POST', `/api/cameras/${camera}/schedules`, body);
  if (res.status !== 201) throw new Error(`POST schedule: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** The schedule as the service holds it now. */
export function viewOf(rig: Rig, id: string): ScheduleView {
  const found = rig.server.services.schedules.list().find((s) => s.id === id);
  if (!found) throw new Error(`no schedule ${id}`);
  return found;
}

/** Waits until the schedule has recorded `n` slots in all (taken, missed and failed, counted by slot). */
export function untilRecorded(rig: Rig, id: string, n: number): Promise<ScheduleView> {
  return until(() => {
    const view = viewOf(rig, id);
    const { taken, missed, failed } = view.counts;
    return taken + missed + failed >= n ? view : undefined;
  }, `schedule ${id} to record ${n} slot(s)`);
}

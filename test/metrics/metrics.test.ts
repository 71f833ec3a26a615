import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { HEALTH_STATES } from '../../host/src/services/metrics/index.js';
import { rawRequest } from '../security/raw-http.js';
import { PROMTOOL, find, promtoolCheck, value } from './exposition.js';

interface HealthBody {
  state: string;
  cameras: Array<{ name: string; state: string; events: Array<{ type: string; resetCause?: string }> }>;
}

/** Polls until `check` passes; the deadline is a safety net for a busy machine, not a figure under test. */
async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * GET /metrics from the real service on a simulated camera (real MicroPython running the slave script): the
 * counters follow real captures, failures and reboots, the state gauges follow the health monitor, and the
 * whole exposition passes `promtool check metrics`.
 */
describe('GET /metrics', () => {
  let server: RunningServer;
  let dataDir: string;
  const url = (path: string): string => `${server.url}${path}`;

  const scrape = async (): Promise<string> => {
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    return res.text();
  };
  const health = async (): Promise<HealthBody> => (await fetch(url('/api/health'))).json() as Promise<HealthBody>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-metrics-'));
    server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the Prometheus text format, never cached, with the series of each camera from the start', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(value(text, 'esp32cam_captures_total', { camera: 'cam' })).toBe(0);
    expect(value(text, 'esp32cam_capture_bytes_total', { camera: 'cam' })).toBe(0);
    // The process's own metrics.
    expect(value(text, 'process_start_time_seconds')).toBeGreaterThan(0);
    expect(find(text, 'nodejs_heap_size_used_bytes')).toHaveLength(1);
  });

  it('lists every health state for the camera, 1 for the one /api/health reports and 0 for the others', async () => {
    const text = await scrape();
    const { cameras } = await health();
    const state = cameras.find((c) => c.name === 'cam')!.state;
    expect(state).toBe('online');
    for (const s of HEALTH_STATES) expect(value(text, 'esp32cam_camera_state', { camera: 'cam', state: s }), s).toBe(s === state ? 1 : 0);
    expect(find(text, 'esp32cam_camera_state', { camera: 'cam' })).toHaveLength(5);
    expect(value(text, 'esp32cam_camera_up', { camera: 'cam' })).toBe(1);
    // The first check (the monitor's start) answered: its round trip is in the ping histogram, and it was seen.
    expect(value(text, 'esp32cam_ping_duration_seconds_count', { camera: 'cam' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'esp32cam_camera_last_seen_timestamp_seconds', { camera: 'cam' })! * 1000).toBeLessThanOrEqual(Date.now());
  });

  it('counts a capture over HTTP: one capture, the photo size in bytes, its duration, the photo kept', async () => {
    const before = await scrape();
    const made = await fetch(url('/api/capture'), { method: 'POST' });
    expect(made.status).toBe(201);
    const photo = (await made.json()) as { size: number; captureMs: number };
    expect(photo.size).toBeGreaterThan(0);
    const text = await scrape();
    expect(value(text, 'esp32cam_captures_total', { camera: 'cam' })).toBe(1);
    expect(value(text, 'esp32cam_capture_bytes_total', { camera: 'cam' })).toBe(photo.size);
    expect(value(text, 'esp32cam_capture_duration_seconds_count', { camera: 'cam' })).toBe(1);
    const seconds = value(text, 'esp32cam_capture_duration_seconds_sum', { camera: 'cam' })!;
    // The API rounds captureMs to the millisecond; the histogram has it unrounded.
    expect(Math.abs(seconds * 1000 - photo.captureMs)).toBeLessThanOrEqual(1);
    expect(value(text, 'esp32cam_capture_duration_seconds_bucket', { camera: 'cam', le: '+Inf' })).toBe(1);
    expect(value(text, 'esp32cam_photos_stored', { camera: 'cam' })).toBe(1);
    expect(value(text, 'esp32cam_store_bytes')).toBe(photo.size);
    expect(value(before, 'esp32cam_photos_stored', { camera: 'cam' })).toBe(0);
  });

  it('counts a ping round trip in the ping histogram', async () => {
    const before = value(await scrape(), 'esp32cam_ping_duration_seconds_count', { camera: 'cam' })!;
    const res = await fetch(url('/api/ping'), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(value(await scrape(), 'esp32cam_ping_duration_seconds_count', { camera: 'cam' })).toBe(before + 1);
  });

  it('counts a reboot by the reset cause the health monitor recorded', async () => {
    const fault = await fetch(url('/api/cameras/cam/sim-fault'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'reboot', cause: 'watchdog' }),
    });
    expect(fault.status).toBe(200);
    const reboot = await until(async () => {
      await fetch(url('/api/cameras/cam/health/check'), { method: 'POST' });
      return (await health()).cameras[0]!.events.find((e) => e.type === 'reboot');
    }, 'the health monitor to see the reboot');
    const text = await scrape();
    expect(reboot.resetCause).toBeTruthy();
    expect(find(text, 'esp32cam_reboots_total', { camera: 'cam' })).toEqual([
      { name: 'esp32cam_reboots_total', labels: { camera: 'cam', cause: reboot.resetCause }, value: 1 },
    ]);
  });

  it('counts a failed capture under the error code the API answered with', async () => {
    // The board resets into a bare REPL: nothing answers at the camera's I2C address any more.
    const fault = await fetch(url('/api/cameras/cam/sim-fault'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'lost-script' }),
    });
    expect(fault.status).toBe(200);
    const failed = await fetch(url('/api/capture'), { method: 'POST' });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const { code } = ((await failed.json()) as { error: { code: string } }).error;
    expect(code).toMatch(/^E_[A-Z0-9_]+$/);
    const text = await scrape();
    expect(find(text, 'esp32cam_capture_errors_total', { camera: 'cam' })).toEqual([
      { name: 'esp32cam_capture_errors_total', labels: { camera: 'cam', code }, value: 1 },
    ]);
    expect(value(text, 'esp32cam_captures_total', { camera: 'cam' })).toBe(1);
    // The failure left the camera short of online; the gauges say what /api/health says.
    const state = (await health()).cameras[0]!.state;
    expect(state).not.toBe('online');
    const after = await scrape();
    expect(find(after, 'esp32cam_camera_state', { camera: 'cam' }).filter((s) => s.value === 1)).toEqual([
      { name: 'esp32cam_camera_state', labels: { camera: 'cam', state }, value: 1 },
    ]);
    expect(value(after, 'esp32cam_camera_up', { camera: 'cam' })).toBe(state === 'degraded' ? 1 : 0);
  });

  it.skipIf(!PROMTOOL && !process.env.CI)(
    PROMTOOL || process.env.CI ? 'passes promtool check metrics with no lint problem' : 'passes promtool check metrics (skipped: promtool is not installed)',
    async () => {
      const text = await scrape();
      // Every kind of series is there when promtool reads it: a capture, an error, a reboot, the histograms.
      for (const name of ['esp32cam_capture_errors_total', 'esp32cam_reboots_total', 'esp32cam_capture_duration_seconds_bucket']) {
        expect(find(text, name).length, name).toBeGreaterThan(0);
      }
      const { status, output } = await promtoolCheck(text);
      expect(output).toBe('');
      expect(status).toBe(0);
    },
  );

  it('refuses a foreign Host (DNS rebinding) and grants no other site a read', async () => {
    const foreign = await rawRequest(server.port, { path: '/metrics', headers: { host: 'evil.example' } });
    expect(foreign.status).toBe(421);
    expect(foreign.json().error.code).toBe('E_FOREIGN_HOST');
    expect(foreign.text).not.toContain('esp32cam_');
    const crossSite = await rawRequest(server.port, { path: '/metrics', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.headers['access-control-allow-origin']).toBeUndefined();
    expect(crossSite.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});

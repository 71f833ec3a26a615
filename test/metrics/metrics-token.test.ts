import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from '../security/raw-http.js';
import { value } from './exposition.js';

/** What Prometheus sends (its scrape Accept header), so the refusals are the ones a scrape would get. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1';

/** An address of this machine other than loopback, as a scrape from the LAN names it; undefined when it has none. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

/**
 * Bound off loopback, GET /metrics needs the access token like every route: a Prometheus scrape config with
 * `authorization: { credentials: TOKEN }` (or `bearer_token_file`) sends it as `Authorization: Bearer`, and
 * the Host a scrape of this machine's name or address sends is let through.
 */
describe('GET /metrics when the service needs its token', () => {
  let server: RunningServer;
  let dataDir: string;
  let token: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-metrics-token-'));
    server = await startServer({ host: '0.0.0.0', port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    token = server.token!;
    expect(token).toBeTruthy();
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a scrape without the token, and one with a wrong token, with no metric in the answer', async () => {
    const none = await rawRequest(server.port, { path: '/metrics', headers: { accept: PROMETHEUS_ACCEPT } });
    expect(none.status).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('Bearer') });
    const wrong = await rawRequest(server.port, { path: '/metrics', headers: { accept: PROMETHEUS_ACCEPT, authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('E_AUTH_INVALID');
    for (const res of [none, wrong]) expect(res.text).not.toContain('esp32cam_');
  });

  it('serves the metrics to a scrape with the token as a bearer token', async () => {
    const res = await rawRequest(server.port, { path: '/metrics', headers: { accept: PROMETHEUS_ACCEPT, authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(value(res.text, 'esp32cam_camera_up', { camera: 'cam' })).toBe(1);
  });

  it("lets a scrape by the machine's hostname through the Host check", async () => {
    const res = await rawRequest(server.port, { path: '/metrics', headers: { host: `${hostname()}:${server.port}`, authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(value(res.text, 'esp32cam_captures_total', { camera: 'cam' })).toBe(0);
  });

  it.skipIf(!lanAddress)(
    lanAddress ? "lets a scrape by the machine's LAN address through the Host check" : 'LAN address scrape (skipped: this machine has no LAN address)',
    async () => {
      const res = await rawRequest(server.port, { path: '/metrics', headers: { host: `${lanAddress}:${server.port}`, authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    },
  );

  it('refuses a foreign Host even with the token', async () => {
    const res = await rawRequest(server.port, { path: '/metrics', headers: { host: 'evil.example', authorization: `Bearer ${token}` } });
    expect(res.status).toBe(421);
    expect(res.json().error.code).toBe('E_FOREIGN_HOST');
  });

  it('refuses a page on another site that has no token, and grants it no read', async () => {
    const res = await rawRequest(server.port, { path: '/metrics', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.text).not.toContain('esp32cam_');
  });
});

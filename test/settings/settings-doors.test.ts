import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from '../security/raw-http.js';

/**
 * The settings routes behind the same doors as every route: a change is an action, so another site's page
 * cannot make one, and off loopback nothing is served without the token. A refused change leaves the
 * service's state untouched; the one let through shows the same request would have worked.
 */
const BODY = JSON.stringify({ framesize: 8 });

async function start(host: string): Promise<{ server: RunningServer; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-settings-doors-'));
  // The keep-alive is off, so nothing but these requests talks to the board.
  const server = await startServer({ host, port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  return { server, dataDir };
}

describe('the settings routes, on loopback', () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    ({ server, dataDir } = await start('127.0.0.1'));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['as JSON from another site', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }],
    ['as text/plain (no preflight)', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }],
    ['from a sandboxed frame (Origin: null)', { origin: 'null', 'content-type': 'application/json' }],
  ])('refuses a change %s with 403 E_CROSS_ORIGIN, and nothing is wanted or applied', async (_name, headers) => {
    const res = await rawRequest(server.port, { method: 'PUT', path: '/api/cameras/cam/settings', headers, body: BODY });
    expect(res.status).toBe(403);
    expect(res.json().error.code).toBe('E_CROSS_ORIGIN');
    expect(server.services.settings.get('cam')).toMatchObject({ wanted: {}, applied: null, supported: null });
  });

  it("lets the page itself change them (so the refusals above were the doors')", async () => {
    const res = await rawRequest(server.port, {
      method: 'PUT',
      path: '/api/cameras/cam/settings',
      headers: { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: BODY,
    });
    expect(res.status).toBe(200);
    expect(server.services.settings.get('cam')).toMatchObject({ wanted: { framesize: 8 }, applied: { framesize: 8 }, supported: true });
  });
});

describe('the settings routes, reachable from other machines', () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    ({ server, dataDir } = await start('0.0.0.0'));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(['GET', 'PUT'])('%s without a token: 401 with how to get one, nothing done', async (method) => {
    const res = await rawRequest(server.port, {
      method,
      path: '/api/cameras/cam/settings',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: method === 'PUT' ? BODY : undefined,
    });
    expect(res.status).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('esp32cam token') });
    expect(res.text).not.toContain('wanted');
    expect(server.services.settings.get('cam')).toMatchObject({ wanted: {}, applied: null });
  });

  it("keeps the settings' table behind the token too", async () => {
    const res = await rawRequest(server.port, { path: '/api/settings/spec', headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('framesize');
    const authorized = await rawRequest(server.port, { path: '/api/settings/spec', headers: { authorization: `Bearer ${server.token!}` } });
    expect(authorized.status).toBe(200);
    expect(authorized.json<{ settings: Array<{ name: string }> }>().settings[0]!.name).toBe('framesize');
  });

  it('serves and takes them with the token', async () => {
    const res = await rawRequest(server.port, {
      method: 'PUT',
      path: '/api/cameras/cam/settings',
      headers: { authorization: `Bearer ${server.token!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quality: 30 }),
    });
    expect(res.status).toBe(200);
    expect(res.json<{ applied: { quality: number } }>().applied.quality).toBe(30);
  });
});

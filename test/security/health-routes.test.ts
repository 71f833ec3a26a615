import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from './raw-http.js';

/**
 * The health routes behind the same doors as every route that acts: a fault injected into a simulated
 * camera (POST /api/cameras/:name/sim-fault) and a check on demand are refused to another site's page, and,
 * off loopback, to anyone without the token; the health reports too. What reaches the board is seen from
 * the board itself: every fault it takes is a `fault` event.
 */
const KINDS = ['reboot', 'hang', 'brownout', 'camera-init', 'lost-script', 'bus-stuck', 'desync', 'invalid-header', 'no-psram'];
const HANG = JSON.stringify({ kind: 'hang', seconds: 30 });

async function start(host: string, prefix: string): Promise<{ server: RunningServer; dataDir: string; faults: unknown[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  // The keep-alive is off, so nothing but these requests talks to the board.
  const server = await startServer({ host, port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  const faults: unknown[] = [];
  server.sim!.on('fault', (event: unknown) => faults.push(event));
  return { server, dataDir, faults };
}

describe('the health routes, on loopback', () => {
  let server: RunningServer;
  let dataDir: string;
  let faults: unknown[];

  beforeAll(async () => {
    ({ server, dataDir, faults } = await start('127.0.0.1', 'esp32cam-health-doors-'));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
  const attacks: Array<[string, { method: string; path: string; headers: Record<string, string>; body?: string }]> = [
    [
      'a hang, as JSON from another site',
      { method: 'POST', path: '/api/cameras/cam/sim-fault', headers: { ...evil, 'content-type': 'application/json' }, body: HANG },
    ],
    [
      'a hang, as text/plain (no preflight)',
      { method: 'POST', path: '/api/cameras/cam/sim-fault', headers: { ...evil, 'content-type': 'text/plain' }, body: HANG },
    ],
    [
      'a hang from a sandboxed frame (Origin: null)',
      {
        method: 'POST',
        path: '/api/cameras/cam/sim-fault',
        headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'kind=hang&seconds=30',
      },
    ],
    [
      'a hang from the same host on another port',
      { method: 'POST', path: '/api/cameras/cam/sim-fault', headers: { origin: 'http://127.0.0.1:1', 'content-type': 'application/json' }, body: HANG },
    ],
    ['a check on demand', { method: 'POST', path: '/api/cameras/cam/health/check', headers: { ...evil, 'sec-fetch-mode': 'no-cors' } }],
  ];

  it.each(attacks)('refuses %s with 403 E_CROSS_ORIGIN, and the board takes no fault', async (_name, attack) => {
    const before = server.services.health.get('cam').report();
    const res = await rawRequest(server.port, attack);
    expect(res.status).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'E_CROSS_ORIGIN', message: expect.any(String), hint: expect.any(String) });
    expect(faults).toEqual([]);
    const after = server.services.health.get('cam').report();
    expect(after.lastSeenAt).toBe(before.lastSeenAt);
    expect(after.events).toEqual(before.events);
  });

  it('refuses the health report under a foreign Host (DNS rebinding)', async () => {
    for (const path of ['/api/health', '/api/cameras/cam/health']) {
      const res = await rawRequest(server.port, { path, headers: { host: 'evil.example' } });
      expect(res.status, path).toBe(421);
      expect(res.json().error.code).toBe('E_FOREIGN_HOST');
    }
  });

  it('answers a fault kind it does not know with 400 E_BAD_INPUT that names the kind and every kind there is', async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/cameras/cam/sim-fault',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'meltdown' }),
    });
    expect(res.status).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('E_BAD_INPUT');
    expect(error.message).toContain('"meltdown"');
    for (const kind of KINDS) expect(`${error.message} ${error.hint}`).toContain(kind);
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    expect(faults).toEqual([]);
  });

  it.each([
    ['no kind', '{}'],
    ['a field no fault takes', JSON.stringify({ kind: 'hang', seconds: 5, force: true })],
    ['seconds as a string', JSON.stringify({ kind: 'hang', seconds: '5' })],
    ['not JSON at all', 'hang please'],
  ])('answers %s with 400 E_BAD_INPUT and a hint naming the kinds', async (_name, body) => {
    const res = await rawRequest(server.port, { method: 'POST', path: '/api/cameras/cam/sim-fault', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('E_BAD_INPUT');
    if (body.startsWith('{')) for (const kind of KINDS) expect(error.hint).toContain(kind);
    expect(faults).toEqual([]);
  });

  it('answers an unknown camera with 404, naming the cameras there are', async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/cameras/nope/sim-fault',
      headers: { 'content-type': 'application/json' },
      body: HANG,
    });
    expect(res.status).toBe(404);
    expect(res.json().error.hint).toContain('cam');
    expect(faults).toEqual([]);
  });

  it("lets the page itself inject a fault: the board takes it (so the refusals above were the doors', not a deaf board)", async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/cameras/cam/sim-fault',
      headers: { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'hang', seconds: 1 }),
    });
    expect(res.status).toBe(200);
    expect(res.json<{ camera: string; fault: string }>()).toMatchObject({ camera: 'cam', fault: 'hang' });
    expect(faults).toEqual([expect.objectContaining({ kind: 'hang', seconds: 1, phase: 'injected' })]);
  });
});

describe('the health routes, reachable from other machines', () => {
  let server: RunningServer;
  let dataDir: string;
  let faults: unknown[];

  beforeAll(async () => {
    ({ server, dataDir, faults } = await start('0.0.0.0', 'esp32cam-health-token-'));
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['GET', '/api/health'],
    ['GET', '/api/cameras/cam/health'],
    ['POST', '/api/cameras/cam/health/check'],
    ['POST', '/api/cameras/cam/sim-fault'],
  ])('%s %s without a token: 401 with how to get one, nothing done', async (method, path) => {
    const res = await rawRequest(server.port, {
      method,
      path,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: method === 'POST' ? HANG : undefined,
    });
    expect(res.status).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('esp32cam token') });
    expect(res.text).not.toContain('"state"');
    expect(faults).toEqual([]);
  });

  it('refuses a wrong token the same way', async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/cameras/cam/sim-fault',
      headers: { authorization: `Bearer ${'x'.repeat(43)}`, 'content-type': 'application/json' },
      body: HANG,
    });
    expect(res.status).toBe(401);
    expect(res.json().error.code).toBe('E_AUTH_INVALID');
    expect(faults).toEqual([]);
  });

  it('serves the reports to the token', async () => {
    const res = await rawRequest(server.port, { path: '/api/health', headers: { authorization: `Bearer ${server.token!}` } });
    expect(res.status).toBe(200);
    expect(res.json<{ cameras: Array<{ name: string }> }>().cameras.map((c) => c.name)).toEqual(['cam']);
  });
});

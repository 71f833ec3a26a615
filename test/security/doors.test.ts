import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from './raw-http.js';
import { trySocket } from './socket-probe.js';

/**
 * The doors that hold on every binding, tried against the real service on loopback, where no token is
 * asked for: a foreign Host (DNS rebinding), cross-site requests that act, a foreign-origin socket, and the
 * security headers. After each refused attack the board, the store and the jobs are as they were.
 */
describe('every request, on loopback', () => {
  let server: RunningServer;
  let dataDir: string;
  let photoId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-doors-'));
    server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    const made = await fetch(`${server.url}/api/capture`, { method: 'POST' });
    expect(made.status).toBe(201);
    photoId = ((await made.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** What an attack must leave untouched. */
  async function snapshot(): Promise<unknown> {
    const sim = server.sim!.info();
    return {
      frames: sim.frames,
      flashLed: sim.flashLed,
      photos: server.services.store.list({ limit: 100 }).items.map((p) => p.id),
      flashJobs: server.services.flashJobs.list().length,
      pushJobs: server.services.pushJobs.list().length,
      uploads: await readdir(join(dataDir, 'uploads')).catch(() => []),
      console: server.services.consoles.isOpen('sim:cam'),
    };
  }

  it('needs no token on loopback', async () => {
    expect(server.token).toBeUndefined();
    const res = await rawRequest(server.port, { path: '/api/status' });
    expect(res.status).toBe(200);
  });

  describe('a foreign Host header (DNS rebinding) is refused before routing', () => {
    it.each([
      ['/', 'GET'],
      ['/api/status', 'GET'],
      ['/api/photos', 'GET'],
      ['/capture', 'GET'],
      ['/vendor/socket.io/socket.io.min.js', 'GET'],
      ['/api/capture', 'POST'],
    ])('%s (%s)', async (path, method) => {
      const before = await snapshot();
      for (const host of ['evil.example', `evil.example:${'8080'}`, 'rebind.attacker.test', '10.99.99.99', 'localhost.evil.example', 'a@127.0.0.1', '']) {
        const res = await rawRequest(server.port, { method, path, headers: { host } });
        expect(res.status, `Host: ${host}`).toBe(421);
        expect(res.json().error).toMatchObject({ code: 'E_FOREIGN_HOST', hint: expect.stringContaining('allowedHosts') });
      }
      expect(await snapshot()).toEqual(before);
    });

    it('answers under the names of this machine', async () => {
      for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, 'app.localhost']) {
        const res = await rawRequest(server.port, { path: '/api/status', headers: { host } });
        expect(res.status, `Host: ${host}`).toBe(200);
      }
    });

    it('refuses the socket.io handshake under a foreign Host', async () => {
      const res = await rawRequest(server.port, { path: '/socket.io/?EIO=4&transport=polling', headers: { host: 'evil.example' } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toMatch(/"sid"/);
    });
  });

  describe('cross-site requests that act are refused, and change nothing', () => {
    const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const attacks: Array<[string, { method: string; path: string; headers: Record<string, string>; body?: string }]> = [
      ['capture (no-cors POST)', { method: 'POST', path: '/api/capture', headers: { ...evil, 'sec-fetch-mode': 'no-cors' } }],
      [
        'capture by GET /capture (an <img> on another site)',
        { method: 'GET', path: '/capture?store=1', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' } },
      ],
      ['delete a photo', { method: 'DELETE', path: '/api/photos/PHOTO', headers: evil }],
      [
        'switch the LED with a text/plain body',
        { method: 'POST', path: '/api/flash', headers: { ...evil, 'content-type': 'text/plain' }, body: '{"on": true}' },
      ],
      ['flash firmware, untyped', { method: 'POST', path: '/api/firmware?port=sim:cam', headers: { origin: 'http://evil.example' }, body: 'x'.repeat(4096) }],
      [
        'flash firmware, typed',
        { method: 'POST', path: '/api/firmware?port=sim:cam', headers: { ...evil, 'content-type': 'application/octet-stream' }, body: 'x'.repeat(4096) },
      ],
      [
        'push a script as text/plain',
        { method: 'POST', path: '/api/scripts/push?name=evil.py', headers: { ...evil, 'content-type': 'text/plain' }, body: 'import os\n' },
      ],
      ['push the bundled script', { method: 'POST', path: '/api/scripts/push', headers: { ...evil, 'content-type': 'application/json' }, body: '{}' }],
      [
        'a form post from a sandboxed frame (Origin: null)',
        { method: 'POST', path: '/api/capture', headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' },
      ],
      ['ping from a sibling site', { method: 'POST', path: '/api/ping', headers: { origin: 'http://127.0.0.1.nip.example', 'sec-fetch-site': 'same-site' } }],
      ['capture from the same host on another port', { method: 'POST', path: '/api/capture', headers: { origin: 'http://127.0.0.1:1' } }],
    ];

    it.each(attacks)('%s', async (_name, attack) => {
      const before = await snapshot();
      const res = await rawRequest(server.port, { ...attack, path: attack.path.replace('PHOTO', photoId) });
      expect(res.status).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'E_CROSS_ORIGIN', message: expect.any(String), hint: expect.any(String) });
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
      expect(await snapshot()).toEqual(before);
    });

    it('lets the page itself act (same origin), and clients that are no browser', async () => {
      const self = `http://127.0.0.1:${server.port}`;
      const own = await rawRequest(server.port, {
        method: 'POST',
        path: '/api/flash',
        headers: { origin: self, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        body: '{"on": true}',
      });
      expect(own.status).toBe(200);
      expect(server.sim!.info().flashLed).toBe(true);
      const script = await rawRequest(server.port, {
        method: 'POST',
        path: '/api/flash',
        headers: { 'content-type': 'application/json' },
        body: '{"on": false}',
      });
      expect(script.status).toBe(200);
      expect(server.sim!.info().flashLed).toBe(false);
    });

    it('still lets another site read nothing: no CORS grant, even to a preflight', async () => {
      const preflight = await rawRequest(server.port, {
        method: 'OPTIONS',
        path: '/api/capture',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const read = await rawRequest(server.port, { path: '/api/photos', headers: { origin: 'http://evil.example' } });
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('refuses a socket.io handshake from a foreign origin: no events, no console', async () => {
    const before = await snapshot();
    const { outcome, events } = await trySocket(server.url, { origin: 'http://evil.example' });
    expect(outcome).toMatch(/^refused: .*/);
    expect(events).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('sends the security headers: a CSP with no inline code, no framing, nosniff, no referrer', async () => {
    for (const path of ['/', '/api/status', `/api/photos/${photoId}/jpeg`]) {
      const res = await rawRequest(server.port, { path });
      expect(res.status).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});

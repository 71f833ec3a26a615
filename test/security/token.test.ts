import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { FAILURES_PER_WINDOW } from '../../host/src/http/security/index.js';
import { TOKEN_FILE } from '../../host/src/services/auth/index.js';
import { runCli } from '../cli-device/cli-run.js';
import { rawRequest } from './raw-http.js';
import { trySocket } from './socket-probe.js';

/**
 * Bound off loopback (0.0.0.0), every route and the socket need the token, whatever the client's address:
 * these requests come from 127.0.0.1, as a reverse proxy on the Pi would, and are refused all the same.
 */
describe('the token, with the service reachable from other machines', () => {
  let server: RunningServer;
  let dataDir: string;
  let token: string;
  let photoId: string;
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-token-'));
    server = await startServer({ host: '0.0.0.0', port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    token = server.token!;
    const made = await rawRequest(server.port, { method: 'POST', path: '/api/capture', headers: bearer(token) });
    expect(made.status).toBe(201);
    photoId = made.json<{ id: string }>().id;
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is made on first start, 32 random bytes in a 0600 file, and the service was told it made it', async () => {
    expect(server.tokenCreated).toBe(true);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dataDir, TOKEN_FILE);
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o077).toBe(0);
  });

  const routes: Array<[string, string]> = [
    ['GET', '/'],
    ['GET', '/index.html'],
    ['GET', '/app.js'],
    ['GET', '/styles.css'],
    ['GET', '/vendor/socket.io/socket.io.min.js'],
    ['GET', '/api/status'],
    ['GET', '/api/photos'],
    ['GET', '/api/photos/PHOTO'],
    ['GET', '/api/photos/PHOTO/jpeg'],
    ['GET', '/api/photos/PHOTO/thumb'],
    ['GET', '/capture'],
    ['GET', '/api/ports'],
    ['GET', '/api/jobs'],
    ['GET', '/api/scripts/jobs'],
    ['GET', '/api/device/files'],
    ['POST', '/api/capture'],
    ['POST', '/api/ping'],
    ['POST', '/api/flash'],
    ['DELETE', '/api/photos/PHOTO'],
    ['POST', '/api/firmware?port=sim:cam'],
    ['POST', '/api/scripts/push'],
    ['GET', '/no/such/route'],
  ];

  it.each(routes)('%s %s without a token: 401 with how to get one, nothing done', async (method, path) => {
    const frames = server.sim!.info().frames;
    const res = await rawRequest(server.port, { method, path: path.replace('PHOTO', photoId), headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('esp32cam token') });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(server.sim!.info().frames).toBe(frames);
    expect(server.services.store.get(photoId).id).toBe(photoId);
  });

  it('gives a browser without a token the sign-in page, with no way in but the token', async () => {
    const res = await rawRequest(server.port, { path: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('esp32cam token');
    expect(res.text).not.toContain(token);
    expect((await rawRequest(server.port, { path: '/signin.css' })).status).toBe(200);
  });

  it('opens every door to the token as a Bearer header, in the URL, and as the cookie a ?token= page visit sets', async () => {
    expect((await rawRequest(server.port, { path: '/api/status', headers: bearer(token) })).status).toBe(200);
    const still = await rawRequest(server.port, { path: `/capture?token=${token}` });
    expect(still.status).toBe(200);
    expect(still.headers['content-type']).toBe('image/jpeg');

    const page = await rawRequest(server.port, { path: `/?token=${token}`, headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/^esp32cam_token=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    expect((await rawRequest(server.port, { path: '/api/photos', headers: { cookie } })).status).toBe(200);
    // A still-image URL is no page visit: it sets no cookie.
    expect(still.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['a wrong token', `/api/status?token=${'x'.repeat(43)}`, {}, /wrong or was replaced/],
    ['a wrong Bearer token', '/api/status', { authorization: `Bearer ${'y'.repeat(43)}` }, /wrong or was replaced/],
    ['Basic instead of Bearer', '/api/status', { authorization: 'Basic dXNlcjpwYXNz' }, /not "Bearer TOKEN"/],
    ['a token with an odd encoding', '/api/status?token=%E2%80%AE%00abc', {}, /not in the form of a token/],
    ['a broken escape', '/api/status?token=%ZZ%', {}, /not in the form of a token/],
    ['the token twice', `/api/status?token=${'x'.repeat(43)}&token=${'y'.repeat(43)}`, {}, /more than once/],
    ['a token cut short', '/api/status?token=TOKEN_HALF', {}, /wrong or was replaced/],
  ])('refuses %s with 401 E_AUTH_INVALID and a message that names it', async (_name, path, headers, message) => {
    const res = await rawRequest(server.port, { path: path.replace('TOKEN_HALF', token.slice(0, 20)), headers });
    expect(res.status).toBe(401);
    expect(res.json().error).toMatchObject({
      code: 'E_AUTH_INVALID',
      message: expect.stringMatching(message),
      hint: expect.stringContaining('esp32cam token'),
    });
  });

  it('refuses a socket without the token: no events, no console; lets one with it in', async () => {
    const { outcome, events } = await trySocket(server.url.replace('0.0.0.0', '127.0.0.1'));
    expect(outcome).toMatch(/^refused/);
    expect(events).toEqual([]);
    expect(server.services.consoles.isOpen('sim:cam')).toBe(false);

    const admitted = connect(server.url.replace('0.0.0.0', '127.0.0.1'), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: bearer(token),
    });
    const status = await new Promise<unknown>((resolve, reject) => {
      admitted.on('status', resolve);
      admitted.on('connect_error', reject);
    });
    admitted.close();
    expect(status).toMatchObject({ camera: { simulated: true } });
  });

  it('rotating the token (the CLI, while the service runs) locks out the old cookie, URL and socket', async () => {
    const page = await rawRequest(server.port, { path: `/?token=${token}`, headers: { accept: 'text/html' } });
    const oldCookie = String(page.headers['set-cookie']).split(';')[0]!;
    const socket: Socket = connect(server.url.replace('0.0.0.0', '127.0.0.1'), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: oldCookie },
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    const dropped = new Promise<string>((resolve) => socket.on('disconnect', resolve));

    const shown = await runCli(['token', '--data-dir', dataDir], dataDir);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim()).toBe(token);
    expect(shown.stderr).toContain(`?token=${token}`);

    const rotated = await runCli(['token', '--rotate', '--data-dir', dataDir], dataDir);
    expect(rotated.code).toBe(0);
    const fresh = rotated.stdout.trim();
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(token);
    expect((await stat(join(dataDir, TOKEN_FILE))).mode & 0o777).toBe(0o600);

    expect(await dropped).toBe('io server disconnect');
    const withOldCookie = await rawRequest(server.port, { path: '/api/status', headers: { cookie: oldCookie } });
    expect(withOldCookie.status).toBe(401);
    expect(withOldCookie.json().error.code).toBe('E_AUTH_INVALID');
    expect((await rawRequest(server.port, { path: `/capture?token=${token}` })).status).toBe(401);
    expect((await rawRequest(server.port, { path: '/api/status', headers: bearer(fresh) })).status).toBe(200);
    expect(server.token).toBe(fresh);
    token = fresh;
  });
});

describe('failed tokens are rate-limited per address', () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-limit-'));
    server = await startServer({ host: '0.0.0.0', port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('does not count requests that carry no token (a phone that opened the page before signing in)', async () => {
    for (let i = 0; i < FAILURES_PER_WINDOW + 5; i++) {
      expect((await rawRequest(server.port, { path: '/api/status' })).status).toBe(401);
    }
    expect((await rawRequest(server.port, { path: '/api/status', headers: { authorization: `Bearer ${server.token}` } })).status).toBe(200);
  });

  it('answers 429 with Retry-After after 20 wrong tokens, then refuses even the right token from that address', async () => {
    for (let i = 0; i < FAILURES_PER_WINDOW; i++) {
      const res = await rawRequest(server.port, { path: '/api/status', headers: { authorization: `Bearer guess${String(i).padStart(20, '0')}` } });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const limited = await rawRequest(server.port, { path: '/api/status', headers: { authorization: 'Bearer guess-number-eleven-xxxxxxxx' } });
    expect(limited.status).toBe(429);
    expect(limited.json().error.code).toBe('E_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const right = await rawRequest(server.port, { path: '/api/status', headers: { authorization: `Bearer ${server.token}` } });
    expect(right.status).toBe(429);
  });
});

describe('where the token comes from', () => {
  it('takes the token from the config, and on loopback asks for none unless auth mode is "token"', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-cfgtoken-'));
    const chosen = 'my-own-token-0123456789';
    const server = await startServer(
      { port: 0, dataDir, camera: 'sim', auth: { mode: 'token', token: chosen } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    try {
      expect(server.token).toBe(chosen);
      expect((await rawRequest(server.port, { path: '/api/status' })).status).toBe(401);
      expect((await rawRequest(server.port, { path: '/api/status', headers: { authorization: `Bearer ${chosen}` } })).status).toBe(200);
      // No file is made for a token the config sets; the CLI reads the same config and prints that token.
      await expect(stat(join(dataDir, TOKEN_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
      await writeFile(join(dataDir, 'config.json'), JSON.stringify({ dataDir, auth: { token: chosen } }));
      const shown = await runCli(['token', '--config', join(dataDir, 'config.json')], dataDir);
      expect(shown.stdout.trim()).toBe(chosen);
      const rotate = await runCli(['token', '--rotate', '--config', join(dataDir, 'config.json')], dataDir);
      expect(rotate.code).toBe(1);
      expect(rotate.stderr).toMatch(/set in the config file.*\(E_CONFIG\)/);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a config token that is too short or has characters a URL would mangle', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-badtoken-'));
    try {
      await expect(startServer({ port: 0, dataDir, camera: 'sim', auth: { token: 'short' } })).rejects.toMatchObject({
        code: 'E_CONFIG',
        message: expect.stringContaining('auth.token'),
      });
      await expect(startServer({ port: 0, dataDir, camera: 'sim', auth: { token: 'has spaces and & signs 1234' } })).rejects.toMatchObject({
        code: 'E_CONFIG',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from '../security/raw-http.js';
import { cwsGet } from './cws-client.js';

/**
 * CameraWebServer's routes behind the same doors as every route. `/control` is a GET that changes the camera,
 * so a page on another site must not reach it even with the token in its URL (an <img src> would otherwise
 * do), while a client that is no browser (curl, Home Assistant, motionEye) sends no Origin and gets through.
 * Every refusal leaves the camera's settings as they were.
 */
describe('/status and /control behind the doors, bound off loopback', () => {
  let server: RunningServer;
  let dataDir: string;
  const unchanged = (): void => {
    expect(server.services.settings.get('cam')).toMatchObject({ wanted: {}, flash: 'off' });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-cws-doors-'));
    server = await startServer({ host: '0.0.0.0', port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const CONTROL = '/control?var=led_intensity&val=255';
  const paths = ['/status', '/status?camera=cam', '/api/cameras/cam/settings/cws', CONTROL, `${CONTROL}&camera=cam`];
  const withToken = (path: string, token = server.token!): string => `${path}${path.includes('?') ? '&' : '?'}token=${token}`;

  it.each(paths)('%s: no token 401 saying how to send one, a wrong one 401, a foreign Host 421', async (path) => {
    const anonymous = await rawRequest(server.port, { path, headers: { accept: 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('?token=') });
    expect(anonymous.text).not.toContain('framesize');

    const wrong = await rawRequest(server.port, { path: withToken(path, 'x'.repeat(43)) });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('E_AUTH_INVALID');

    const foreign = await rawRequest(server.port, { path: withToken(path), headers: { host: 'evil.example:80' } });
    expect(foreign.status).toBe(421);
    unchanged();
  });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (another port of the Pi)', { 'sec-fetch-site': 'same-site' }],
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['Origin: null', { origin: 'null' }],
  ])('/control from another site (%s) is 403 even with the token, and changes nothing', async (_name, headers) => {
    for (const path of [CONTROL, `${CONTROL}&camera=cam`]) {
      const res = await rawRequest(server.port, { path: withToken(path), headers });
      expect(res.status, path).toBe(403);
      expect(res.json().error.code).toBe('E_CROSS_ORIGIN');
    }
    unchanged();
  });

  it.each(['/Control', '/CONTROL', '/control/', '/Control/', '/Stream/', '/CAPTURE', '/api/cameras/cam/Stream/'])(
    '%s, which the router takes for the acting route, is refused from another site too',
    async (variant) => {
      const res = await rawRequest(server.port, { path: withToken(`${variant}?var=led_intensity&val=255`), headers: { 'sec-fetch-site': 'cross-site' } });
      expect(res.status).toBe(403);
      expect(server.services.streams.of('cam').running).toBe(false);
      unchanged();
    },
  );

  it.each(['//control', '/c%6Fntrol', '/control%2F', '/control//'])('%s never acts from another site', async (variant) => {
    const res = await rawRequest(server.port, { path: withToken(`${variant}?var=led_intensity&val=255`), headers: { 'sec-fetch-site': 'cross-site' } });
    expect([403, 404]).toContain(res.status);
    unchanged();
  });

  it('/status from another site is no action, but the browser is told not to hand it over: no CORS grant, same-origin resource policy', async () => {
    const res = await rawRequest(server.port, { path: withToken('/status'), headers: { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('the service’s own page may use /control (so the refusals above were the doors’)', async () => {
    const res = await rawRequest(server.port, {
      path: withToken('/control?var=quality&val=30'),
      headers: { 'sec-fetch-site': 'same-origin', origin: `http://127.0.0.1:${server.port}` },
    });
    expect(res.status).toBe(200);
    expect(server.services.settings.get('cam').wanted).toEqual({ quality: 30 });
  });

  it('a client that is no browser, with ?token= or a Bearer header, reads /status and changes the camera through /control', async () => {
    const viaQuery = await cwsGet(server.port, CONTROL, server.token);
    expect(viaQuery.status).toBe(200);
    expect(server.services.settings.get('cam').flash).toBe('on');
    const status = await cwsGet(server.port, '/status', server.token);
    expect(JSON.parse(status.text)).toMatchObject({ quality: 30, led_intensity: 255 });

    const viaHeader = await rawRequest(server.port, { path: '/control?var=led_intensity&val=0', headers: { authorization: `Bearer ${server.token!}` } });
    expect(viaHeader.status).toBe(200);
    expect(server.services.settings.get('cam').flash).toBe('off');
  });
});

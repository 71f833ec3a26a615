import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { rawRequest } from '../security/raw-http.js';
import { openMjpeg } from './mjpeg-client.js';

/**
 * The stream is behind the same doors as every route. Bound off loopback, it wants the token, and takes it
 * as `?token=` (what camera URLs in Home Assistant, Frigate and motionEye can carry) or as a Bearer header.
 * A refused request never starts the capture loop.
 */
describe('GET /stream behind the doors, bound off loopback', () => {
  let server: RunningServer;
  let dataDir: string;
  let frames = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-stream-doors-'));
    server = await startServer(
      { host: '0.0.0.0', port: 0, dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    server.sim!.on('frame', () => frames++);
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const paths = ['/stream', '/stream?camera=cam', '/api/cameras/cam/stream'];

  it.each(paths)('%s: a foreign Host gets 421, another site 403, no token or a wrong one 401, and nothing is captured', async (path) => {
    const before = frames;
    const join = path.includes('?') ? '&' : '?';
    const foreign = await rawRequest(server.port, { path: `${path}${join}token=${server.token!}`, headers: { host: 'evil.example:80' } });
    expect(foreign.status).toBe(421);
    expect(foreign.json().error.code).toBe('E_FOREIGN_HOST');

    // An <img> on another site would keep the camera capturing: refused as /capture is, token or not.
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'http://evil.example' }] as Array<Record<string, string>>) {
      const crossSite = await rawRequest(server.port, { path: `${path}${join}token=${server.token!}`, headers });
      expect(crossSite.status).toBe(403);
      expect(crossSite.json().error.code).toBe('E_CROSS_ORIGIN');
    }

    const anonymous = await rawRequest(server.port, { path });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error.code).toBe('E_AUTH_REQUIRED');
    expect(anonymous.json().error.hint).toContain('?token=');

    const wrong = await rawRequest(server.port, { path: `${path}${join}token=${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('E_AUTH_INVALID');

    expect(server.services.streams.of('cam').running).toBe(false);
    expect(frames).toBe(before);
  });

  it.each([
    ['?token=', (path: string) => ({ path: `${path}${path.includes('?') ? '&' : '?'}token=${server.token!}`, headers: {} })],
    ['a Bearer header', (path: string) => ({ path, headers: { authorization: `Bearer ${server.token!}` } })],
    [
      "?token= from the service's own page",
      (path: string) => ({ path: `${path}${path.includes('?') ? '&' : '?'}token=${server.token!}`, headers: { 'sec-fetch-site': 'same-origin' } }),
    ],
  ])('the token as %s opens every form of the stream', async (_how, request) => {
    for (const path of paths) {
      const { path: withToken, headers } = request(path);
      const viewer = await openMjpeg(server.port, withToken, headers);
      expect(viewer.status, withToken).toBe(200);
      await viewer.waitParts(2);
      viewer.close();
      await expect.poll(() => server.services.streams.of('cam').running).toBe(false);
    }
  });

  it('allows four viewers per camera when the config does not say', () => {
    expect(server.services.streams.of('cam').maxViewers).toBe(4);
  });
});

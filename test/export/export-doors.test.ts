import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../security/raw-http.js';
import { captureLog, startExportServer, takePhotos, unzip, type ExportServer } from './helpers.js';

// The service's warnings about the failures these tests cause stay out of the test output.
captureLog();

/**
 * Exports are behind the same doors as every route. Bound off loopback, they want the token, and take it
 * as `?token=` (a download link the page or a script can hand to a browser) or as a Bearer header. A
 * refused request reads no photo.
 */
describe('exports behind the doors, bound off loopback', () => {
  let ctx: ExportServer;
  let reads = 0;

  beforeAll(async () => {
    ctx = await startExportServer({ host: '0.0.0.0' });
    await takePhotos(ctx.server, 2);
    ctx.hooks.beforeRead = () => {
      reads++;
    };
  });

  afterAll(async () => {
    await ctx?.close();
  });

  const paths = ['/api/cameras/cam/export', '/api/cameras/cam/export.zip', '/api/cameras/cam/export.mp4?fps=5'];
  const withToken = (path: string, token: string): string => `${path}${path.includes('?') ? '&' : '?'}token=${token}`;

  it.each(paths)('%s: no token or a wrong one gets 401, a foreign Host 421, and no photo is read', async (path) => {
    const anonymous = await rawRequest(ctx.server.port, { path });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error.code).toBe('E_AUTH_REQUIRED');
    expect(anonymous.json().error.hint).toContain('?token=');

    const wrong = await rawRequest(ctx.server.port, { path: withToken(path, 'x'.repeat(43)) });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.code).toBe('E_AUTH_INVALID');

    const foreign = await rawRequest(ctx.server.port, { path: withToken(path, ctx.server.token!), headers: { host: 'evil.example:80' } });
    expect(foreign.status).toBe(421);
    expect(foreign.json().error.code).toBe('E_FOREIGN_HOST');
    expect(reads).toBe(0);
  });

  it('opens every export with ?token= or a Bearer header', async () => {
    for (const headers of [{}, { authorization: `Bearer ${ctx.server.token!}` }] as Array<Record<string, string>>) {
      const token = headers.authorization ? '' : ctx.server.token!;
      const at = (path: string): string => `http://127.0.0.1:${ctx.server.port}${token ? withToken(path, token) : path}`;

      const preview = await fetch(at(paths[0]), { headers });
      expect(preview.status).toBe(200);
      expect(((await preview.json()) as { count: number }).count).toBe(2);

      const zip = await fetch(at(paths[1]), { headers });
      expect(zip.status).toBe(200);
      expect([...(await unzip(Buffer.from(await zip.arrayBuffer()))).keys()]).toHaveLength(3);

      const video = await fetch(at(paths[2]), { headers });
      expect(video.status).toBe(200);
      expect(video.headers.get('content-type')).toBe('video/mp4');
      expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(reads).toBe(2 * 2 * 2);
  });
});

/**
 * The MP4 export keeps ffmpeg busy and holds the one place there is: another site's page cannot start one,
 * even when the browser carries the token, while the page itself and a script (no Origin) can.
 */
describe('the MP4 export against another site', () => {
  let ctx: ExportServer;

  beforeAll(async () => {
    ctx = await startExportServer({ host: '127.0.0.1' });
    await takePhotos(ctx.server, 1);
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('refuses a cross-site request with 403 and lets the same site and a script through', async () => {
    const path = '/api/cameras/cam/export.mp4?fps=5';
    for (const headers of [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Array<Record<string, string>>) {
      const refused = await rawRequest(ctx.server.port, { path, headers });
      expect(refused.status).toBe(403);
      expect(refused.json().error.code).toBe('E_CROSS_ORIGIN');
    }
    const page = await fetch(`${ctx.server.url}${path}`, { headers: { origin: ctx.server.url } });
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    const script = await fetch(`${ctx.server.url}${path}`);
    expect(script.status).toBe(200);
    await script.arrayBuffer();
    // The ZIP only reads what is stored and costs no ffmpeg: it stays open to links from anywhere.
    const zip = await rawRequest(ctx.server.port, { path: '/api/cameras/cam/export.zip', headers: { origin: 'http://evil.example' } });
    expect(zip.status).toBe(200);
  });
});

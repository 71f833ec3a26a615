import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { nodeFs, type FsPort } from '../../host/src/services/fs-port.js';

interface ErrorBody {
  error: { code: string; message: string; hint: string };
}

/** A capture body that takes the frame the camera holds: one frame per attempt. */
const HELD_FRAME = JSON.stringify({ fresh: false });
const JSON_BODY = { 'content-type': 'application/json' };
describe('HTTP API and socket.io on a simulated camera', () => {
  let server: RunningServer;
  let dataDir: string;
  const logged: string[] = [];
  const url = (path: string): string => `${server.url}${path}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-http-'));
    server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: (line) => logged.push(line) });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function rawGet(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function expectError(res: Response, status: number, code: string): Promise<ErrorBody['error']> {
    expect(res.status, `${res.url} status`).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(body.error.hint.length).toBeGreaterThan(0);
    return body.error;
  }

  it('captures, lists, describes, serves, thumbnails and deletes a photo', async () => {
    const created = await fetch(url('/api/capture'), { method: 'POST' });
    expect(created.status).toBe(201);
    const record = await created.json();
    expect(record).toMatchObject({ camera: 'cam', spec: 'sim', urls: { jpeg: `/api/photos/${record.id}/jpeg`, thumb: `/api/photos/${record.id}/thumb` } });
    expect(record.captureMs).toBeGreaterThan(0);

    const list = await (await fetch(url('/api/photos?limit=5'))).json();
    expect(list.items[0].id).toBe(record.id);
    expect(list.total).toBeGreaterThanOrEqual(1);

    const meta = await (await fetch(url(`/api/photos/${record.id}`))).json();
    expect(meta).toEqual(record);

    const jpegRes = await fetch(url(record.urls.jpeg));
    expect(jpegRes.status).toBe(200);
    expect(jpegRes.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await jpegRes.arrayBuffer());
    expect(jpeg.length).toBe(record.size);
    const decoded = await sharp(jpeg).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['jpeg', record.width, record.height]);
    const pixels = await sharp(jpeg).raw().toBuffer();
    expect(pixels.length).toBe(record.width * record.height * (decoded.channels ?? 3));

    const download = await fetch(url(`${record.urls.jpeg}?download=1`));
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${record.id}.jpg"`);

    const thumb = await sharp(Buffer.from(await (await fetch(url(record.urls.thumb))).arrayBuffer())).metadata();
    expect(thumb.format).toBe('jpeg');
    expect(thumb.width).toBeLessThanOrEqual(320);

    const deleted = await fetch(url(`/api/photos/${record.id}`), { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await expectError(await fetch(url(`/api/photos/${record.id}`)), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url(record.urls.jpeg)), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url(`/api/photos/${record.id}`), { method: 'DELETE' }), 404, 'E_NOT_FOUND');
  });

  it('serves a fresh JPEG at GET /capture without storing it, unless ?store=1', async () => {
    const before = (await (await fetch(url('/api/photos'))).json()).total;
    const res = await fetch(url('/capture'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe('jpeg');
    expect((await (await fetch(url('/api/photos'))).json()).total).toBe(before);

    const stored = await fetch(url('/capture?store=1'));
    expect(stored.status).toBe(200);
    const id = stored.headers.get('x-photo-id');
    const list = await (await fetch(url('/api/photos'))).json();
    expect(list.total).toBe(before + 1);
    expect(list.items[0].id).toBe(id);
  });

  it('shares one capture between concurrent requests', async () => {
    const [a, b] = await Promise.all([
      fetch(url('/api/capture'), { method: 'POST' }).then((r) => r.json()),
      fetch(url('/api/capture'), { method: 'POST' }).then((r) => r.json()),
    ]);
    expect(a.id).toBe(b.id);
    const files = await readdir(join(dataDir, 'photos'));
    expect(files.filter((f) => f.startsWith(a.id))).toHaveLength(2);
  });

  it('answers path tricks and malformed ids with 400, and unknown ids and routes with 404', async () => {
    for (const path of [
      '/api/photos/..%2F..%2Fetc%2Fpasswd',
      '/api/photos/..%2F..%2Fetc%2Fpasswd/jpeg',
      '/api/photos/%00',
      '/api/photos/20261120-233100-123-9f3a0c1d%00/jpeg',
      `/api/photos/${'a'.repeat(4000)}`,
      '/api/photos/%E0%A4%A',
      '/api/photos?before=..%2Fx',
    ]) {
      await expectError(await fetch(url(path)), 400, path === '/api/photos/%E0%A4%A' ? 'E_BAD_INPUT' : 'E_BAD_ID');
    }
    await expectError(await fetch(url('/api/photos/..%2F..%2Fx'), { method: 'DELETE' }), 400, 'E_BAD_ID');
    // fetch would normalise these dot segments away; a raw request sends them as written.
    for (const path of ['/api/photos/%2e%2e', '/api/photos/%2e%2e/jpeg', '/api/photos/../../etc/passwd']) {
      const raw = await rawGet(path);
      expect([path, raw.status]).toEqual([path, path.endsWith('passwd') ? 404 : 400]);
      expect(raw.body).toMatch(/"code":"E_(BAD_ID|NOT_FOUND)"/);
      expect(raw.body).not.toContain('root:');
    }
    await expectError(await fetch(url('/api/photos?limit=1000')), 400, 'E_BAD_INPUT');
    await expectError(await fetch(url('/api/photos/20261120-233100-123-9f3a0c1d')), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url('/api/photos/20261120-233100-123-9f3a0c1d/thumb')), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url('/api/nothing-here')), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url('/package.json')), 404, 'E_NOT_FOUND');
    await expectError(await fetch(url('/../package.json')), 404, 'E_NOT_FOUND');
  });

  it('switches the flash LED and rejects any other body with 400', async () => {
    const on = await fetch(url('/api/flash'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"on":true}' });
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ on: true });
    expect(server.sim?.info().flashLed).toBe(true);
    const off = await fetch(url('/api/flash'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"on":false}' });
    expect(await off.json()).toEqual({ on: false });
    expect(server.sim?.info().flashLed).toBe(false);

    for (const body of ['{"on":"yes"}', '{}', '{"on":true,"extra":1}', '[true]', 'null']) {
      await expectError(await fetch(url('/api/flash'), { method: 'POST', headers: { 'content-type': 'application/json' }, body }), 400, 'E_BAD_INPUT');
    }
    await expectError(
      await fetch(url('/api/flash'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"on": tru' }),
      400,
      'E_BAD_INPUT',
    );
    await expectError(await fetch(url('/api/flash'), { method: 'POST', body: 'on=true' }), 400, 'E_BAD_INPUT');
    await expectError(
      await fetch(url('/api/flash'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ on: true, pad: 'x'.repeat(50_000) }),
      }),
      413,
      'E_BAD_INPUT',
    );
  });

  it('reports status: version, camera, store and the simulated board', async () => {
    const status = await (await fetch(url('/api/status'))).json();
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.camera).toMatchObject({ kind: 'sim', spec: 'sim', simulated: true, address: '0x2c', online: true });
    expect(['v2', 'legacy']).toContain(status.camera.protocol);
    expect(status.camera.sim).toMatchObject({ simulated: true });
    expect(status.store).toMatchObject({ maxPhotos: 500, maxBytes: 500 * 1024 * 1024 });
    expect(status.store.photos).toBe((await (await fetch(url('/api/photos'))).json()).total);
    expect(typeof status.uptimeS).toBe('number');
  });

  it('serves the web page at /', async () => {
    const res = await fetch(url('/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('pushes status on connect, then capture:progress and photo:new to socket.io clients', async () => {
    const socket: Socket = connect(server.url, { transports: ['websocket'], forceNew: true });
    try {
      const events: string[] = [];
      const firstStatus = new Promise((resolve) => socket.once('status', resolve));
      socket.on('capture:start', () => events.push('capture:start'));
      socket.on('capture:progress', (p) => events.push(`capture:progress:${p.phase}`));
      const photo = new Promise<{ id: string }>((resolve) =>
        socket.on('photo:new', (record) => {
          events.push('photo:new');
          resolve(record);
        }),
      );
      expect(await firstStatus).toMatchObject({ camera: { spec: 'sim' } });

      const record = await (await fetch(url('/api/capture'), { method: 'POST' })).json();
      expect((await photo).id).toBe(record.id);
      expect(events[0]).toBe('capture:start');
      expect(events).toContain('capture:progress:downloading');
      const lastProgress = events.lastIndexOf('capture:progress:done');
      expect(lastProgress).toBeGreaterThan(0);
      expect(events.indexOf('photo:new')).toBeGreaterThan(lastProgress);

      const gone = new Promise<{ id: string }>((resolve) => socket.once('photo:deleted', resolve));
      await fetch(url(`/api/photos/${record.id}`), { method: 'DELETE' });
      expect(await gone).toEqual({ id: record.id, camera: 'cam' });
    } finally {
      socket.close();
    }
  });

  it('turns a camera fault into a clear 502 and capture:error, and keeps serving', async () => {
    const socket: Socket = connect(server.url, { transports: ['websocket'], forceNew: true });
    try {
      await new Promise((resolve) => socket.once('status', resolve));
      const pushed = new Promise<{ code: string }>((resolve) => socket.once('capture:error', resolve));
      // The client retries a failed capture twice, so three failures exhaust it.
      server.sim!.inject({ cameraFailures: 3 });
      const error = await expectError(await fetch(url('/api/capture'), { method: 'POST' }), 502, 'E_CAMERA_FAILED');
      expect((await pushed).code).toBe('E_CAMERA_FAILED');

      const status = await (await fetch(url('/api/status'))).json();
      expect(status.camera.lastError).toMatchObject({ code: 'E_CAMERA_FAILED', message: error.message });
      expect(status.camera.online).toBe(true);

      const again = await fetch(url('/api/capture'), { method: 'POST' });
      expect(again.status).toBe(201);
      expect(logged.filter((line) => line.includes('unexpected'))).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('retries a truncated photo and stores only the complete one', async () => {
    const before = (await (await fetch(url('/api/photos'))).json()).total as number;
    server.sim!.inject({ truncatedFrames: 1 });
    // fresh false: each attempt takes one frame, so the injected faults land on the photos, not on a held frame thrown away.
    const record = await (await fetch(url('/api/capture'), { method: 'POST', headers: JSON_BODY, body: HELD_FRAME })).json();
    const jpeg = Buffer.from(await (await fetch(url(record.urls.jpeg))).arrayBuffer());
    expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9');
    expect(jpeg.length).toBe(record.size);
    await sharp(jpeg).raw().toBuffer(); // decodes whole
    expect((await (await fetch(url('/api/photos'))).json()).total).toBe(before + 1);
  });

  it('never stores a photo that stayed truncated through every retry', async () => {
    const before = (await (await fetch(url('/api/photos'))).json()).total as number;
    server.sim!.inject({ truncatedFrames: 3 });
    await expectError(await fetch(url('/api/capture'), { method: 'POST', headers: JSON_BODY, body: HELD_FRAME }), 502, 'E_INVALID_JPEG');
    expect((await (await fetch(url('/api/photos'))).json()).total).toBe(before);
    const files = await readdir(join(dataDir, 'photos'));
    expect(files.filter((f) => !/^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}\.(jpg|json)$/.test(f))).toEqual([]);
  });
});

describe('HTTP API on a full disk', () => {
  it('answers 507 E_DISK_FULL, stores nothing, and captures again once there is space', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-http-full-'));
    let full = true;
    // The real file system, except that while `full` every write goes to /dev/full and the kernel says ENOSPC.
    const fs: FsPort = {
      ...nodeFs,
      async open(path, flags, mode) {
        const file = await nodeFs.open(path, flags, mode);
        return {
          write: (buffer, offset, length, position) =>
            full
              ? nodeFs.open('/dev/full', 'w').then(async (dev) => {
                  try {
                    return await dev.write(buffer, offset, length, 0);
                  } finally {
                    await dev.close();
                  }
                })
              : file.write(buffer, offset, length, position),
          sync: () => file.sync(),
          close: () => file.close(),
        };
      },
    };
    const server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, fs, log: () => undefined });
    try {
      const res = await fetch(`${server.url}/api/capture`, { method: 'POST' });
      expect(res.status).toBe(507);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('E_DISK_FULL');
      expect(body.error.hint).toContain('retention.maxBytes');
      expect(await readdir(join(dataDir, 'photos'))).toEqual([]);
      expect(await readdir(join(dataDir, 'thumbs'))).toEqual([]);

      full = false;
      expect((await fetch(`${server.url}/api/capture`, { method: 'POST' })).status).toBe(201);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

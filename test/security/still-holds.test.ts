import { createHash } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as socketClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { spawnCli } from '../cli-device/cli-run.js';
import { rawRequest } from './raw-http.js';

/** Writes raw bytes on a fresh connection and returns everything the server answers until it closes. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('close', () => resolve(text));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(text) : reject(err)));
  });
}

/**
 * What held before the doors and must go on holding with them: malformed and hostile requests get a clean
 * 4xx (no stack trace), many concurrent still-image requests share one bus capture, and a service killed
 * with SIGKILL in the middle of captures leaves a store whose every photo is whole.
 */
describe('what still holds', () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-holds-'));
    server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    [
      'a header flood (300 headers)',
      () => `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 300 }, (_, i) => `X-Flood-${i}: ${'y'.repeat(200)}\r\n`).join('')}\r\n`,
      /^HTTP\/1\.1 431 /,
    ],
    ['one 64 KB header', () => `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'z'.repeat(64 * 1024)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
    [
      'smuggling: Content-Length and Transfer-Encoding together',
      () =>
        'POST /api/capture HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      /^HTTP\/1\.1 400 /,
    ],
    [
      'smuggling: two Content-Lengths',
      () => 'POST /api/flash HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 20\r\nContent-Type: application/json\r\n\r\n{}',
      /^HTTP\/1\.1 400 /,
    ],
    ['a malformed request line', () => 'GET /api/status HTTP/9.9 extra\r\n\r\n', /^HTTP\/1\.1 400 /],
  ])('answers %s with a clean 4xx and no stack trace', async (_name, bytes, status) => {
    const frames = server.sim!.info().frames;
    const answer = await rawExchange(server.port, bytes());
    expect(answer).toMatch(status);
    expect(answer).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(server.sim!.info().frames).toBe(frames);
    expect((await rawRequest(server.port, { path: '/api/status' })).status).toBe(200);
  });

  it('answers hostile JSON with 400 E_BAD_INPUT and no stack trace', async () => {
    for (const body of [
      '{"on": tru',
      '{"__proto__": {"on": true}}',
      '{"on": true, "constructor": {"prototype": {"x": 1}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      '"on"',
    ]) {
      const res = await rawRequest(server.port, { method: 'POST', path: '/api/flash', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(res.json().error.code).toBe('E_BAD_INPUT');
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    expect(({} as Record<string, unknown>).on).toBeUndefined();
  });

  it('shares one bus capture between 200 concurrent GET /capture', async () => {
    const frames = server.sim!.info().frames;
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${server.url}/capture`).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }))),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const distinct = new Set(answers.map((a) => createHash('sha256').update(a.body).digest('hex')));
    const taken = server.sim!.info().frames - frames;
    // Requests that arrive while a capture runs share it; a straggler may start the next one.
    expect(taken).toBeLessThanOrEqual(2);
    expect(distinct.size).toBeGreaterThanOrEqual(1);
    expect(distinct.size).toBeLessThanOrEqual(taken);
  });
});

describe('a service killed with SIGKILL in the middle of captures', () => {
  it('leaves a store whose every photo is whole, at every point of a capture it was killed at', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esp32cam-kill-'));
    const data = join(dir, 'data');
    try {
      // Kill points, as events the page also sees: a capture just started, chunks arriving, the photo stored.
      const killPoints: Array<{ event: string; nth: number }> = [
        { event: 'capture:start', nth: 1 },
        { event: 'capture:progress', nth: 2 },
        { event: 'capture:progress', nth: 5 },
        { event: 'photo:new', nth: 1 },
      ];
      for (const point of killPoints) {
        const child = spawnCli(['serve', '--camera', 'sim', '--port', '0', '--data-dir', data], dir);
        let out = '';
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /serving http:\/\/[^:]+:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.on('close', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
        });
        const socket = socketClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
        await new Promise<void>((resolve) => socket.on('connect', resolve));
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        let seen = 0;
        socket.on(point.event, () => {
          if (++seen === point.nth) child.kill('SIGKILL');
        });
        // Back-to-back captures, so that every kill point falls inside one.
        const capturing = (async () => {
          for (;;) {
            const r = await fetch(`http://127.0.0.1:${port}/api/capture`, { method: 'POST' }).catch(() => undefined);
            if (!r) return;
          }
        })();
        await exited;
        socket.close();
        await capturing;
      }

      const after = await startServer({ port: 0, dataDir: data, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
      try {
        const photos = after.services.store.list({ limit: 100 }).items;
        expect(photos.length).toBeGreaterThan(0);
        for (const photo of photos) {
          const jpeg = await after.services.store.readJpeg(photo.id);
          expect(createHash('sha256').update(jpeg).digest('hex')).toBe(photo.sha256);
          expect(jpeg.length).toBe(photo.size);
        }
        const leftovers = [...(await readdir(join(data, 'photos'))), ...(await readdir(join(data, 'thumbs')))].filter((n) => n.endsWith('.tmp'));
        expect(leftovers).toEqual([]);
      } finally {
        await after.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

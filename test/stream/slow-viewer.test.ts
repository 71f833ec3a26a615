import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { mjpegSink, partHead } from '../../host/src/services/stream/index.js';
import { openMjpeg } from './mjpeg-client.js';

/**
 * A viewer that stops reading: its writable fills, and from then on the stream skips it. It never holds up
 * the HTTP viewer beside it, its backlog stays at one part, and it gets frames again once it drains.
 * (A socket on loopback takes megabytes before it pushes back; a writable with a small buffer that nobody
 * reads is the same back-pressure without the wait.)
 */
describe('a slow viewer', () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-stream-slow-'));
    server = await startServer(
      { port: 0, dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is skipped while undrained, never slows the others, and is fed again once it drains', async () => {
    const stream = server.services.streams.of('cam');
    const fast = await openMjpeg(server.port, '/stream');
    const stuck = new PassThrough({ highWaterMark: 1024 });
    const slow = stream.join(mjpegSink(stuck));
    await fast.waitParts(fast.parts.length + 7);
    // One part went in and filled its buffer; every frame since was skipped, none queued.
    expect(slow.stats.sent).toBe(1);
    expect(slow.stats.dropped).toBeGreaterThanOrEqual(5);
    const onePart = partHead(fast.parts[0]!.jpeg.length, new Date()).length + Math.max(...fast.parts.map((p) => p.jpeg.length));
    expect(stuck.writableLength).toBeLessThanOrEqual(onePart);

    // It reads again: the next frames reach it.
    stuck.resume();
    const got = fast.parts.length;
    await fast.waitParts(got + 3);
    expect(slow.stats.sent).toBeGreaterThanOrEqual(2);
    slow.leave();
    fast.close();
    await expect.poll(() => stream.running).toBe(false);
  });
});

/**
 * One service, three simulated cameras: `front` and `back` share simulated bus 1 (at 0x2c and 0x2d),
 * `garden` is alone on bus 2. Everything goes through the real HTTP API and socket.io.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { I2cTransaction } from '../../host/src/transports/shared-i2c-bus.js';
import { checkJpeg } from '../../protocol/src/index.js';

const CAMERAS = [
  { name: 'front', camera: 'sim' },
  { name: 'back', camera: 'sim@0x2d' },
  { name: 'garden', camera: 'sim:2@0x2c' },
];

interface PhotoJson {
  id: string;
  camera: string;
  spec: string;
  sha256: string;
  size: number;
}

describe('three simulated cameras, two sharing a bus', () => {
  let server: RunningServer;
  let dataDir: string;
  const transactions: I2cTransaction[] = [];
  /** Hashes of the frames each board's sensor delivered. */
  const delivered = new Map<string, string[]>();
  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const res = await fetch(new URL(path, server.url), init);
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-three-'));
    server = await startServer(
      { port: 0, dataDir, cameras: CAMERAS },
      { healthIntervalMs: 0, log: () => undefined, onTransaction: (t) => transactions.push(t) },
    );
    for (const [name, board] of server.hardware.boards) {
      delivered.set(name, []);
      board.on('frame', (f: { sha256: string }) => delivered.get(name)!.push(f.sha256));
    }
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists every camera with its bus, address and serial port', async () => {
    const { body } = await api<{ cameras: Array<{ name: string; spec: string; bus: number; address: string; serialPort: string; kind: string }> }>(
      '/api/cameras',
    );
    expect(body.cameras.map((c) => [c.name, c.spec, c.kind, c.bus, c.address, c.serialPort])).toEqual([
      ['front', 'sim', 'sim', 1, '0x2c', 'sim:front'],
      ['back', 'sim@0x2d', 'sim', 1, '0x2d', 'sim:back'],
      ['garden', 'sim:2@0x2c', 'sim', 2, '0x2c', 'sim:garden'],
    ]);
    expect([...server.hardware.buses.keys()]).toEqual(['sim:1', 'sim:2']);
    const ports = await api<{ ports: Array<{ path: string; simulated: boolean }> }>('/api/ports');
    expect(
      ports.body.ports
        .filter((p) => p.simulated)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['sim:back', 'sim:front', 'sim:garden']);
    // Unknown names are a clear 404 that lists the real ones.
    const missing = await api<{ error: { code: string; hint: string } }>('/api/cameras/porch');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'E_NOT_FOUND', hint: expect.stringContaining('front, back, garden') });
  });

  it('captures from all three at once, each photo whole and from its own board; the shared bus took turns', async () => {
    transactions.length = 0;
    const events: Array<{ camera: string }> = [];
    const socket = connect(server.url, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.once('status', () => resolve()));
    socket.on('photo:new', (p: { camera: string }) => events.push(p));
    try {
      const results = await Promise.all(CAMERAS.map((c) => api<PhotoJson>(`/api/cameras/${c.name}/capture`, { method: 'POST' })));
      for (const [i, { status, body }] of results.entries()) {
        expect(status).toBe(201);
        expect(body.camera).toBe(CAMERAS[i].name);
        expect(body.spec).toBe(CAMERAS[i].camera);
        const jpeg = Buffer.from(await (await fetch(new URL(`/api/photos/${body.id}/jpeg`, server.url))).arrayBuffer());
        expect(checkJpeg(jpeg).ok).toBe(true);
        const sha = createHash('sha256').update(jpeg).digest('hex');
        expect(sha).toBe(body.sha256);
        // The exact frame this camera's sensor delivered, and no other board's.
        expect(delivered.get(body.camera)).toContain(sha);
        for (const [other, hashes] of delivered) if (other !== body.camera) expect(hashes).not.toContain(sha);
      }
      await expect.poll(() => events.map((e) => e.camera).sort()).toEqual(['back', 'front', 'garden']);
    } finally {
      socket.close();
    }
    // Bus 1 carried front (0x2c) and back (0x2d): one message at a time, and each camera's messages came
    // between the other's rather than one download after the other.
    const bus1 = transactions.filter((t) => t.bus === 'sim:1');
    for (let i = 1; i < bus1.length; i++) expect(bus1[i].startedAt).toBeGreaterThanOrEqual(bus1[i - 1].startedAt + bus1[i - 1].ms - 0.001);
    const front = bus1.filter((t) => t.address === 0x2c);
    const back = bus1.filter((t) => t.address === 0x2d);
    expect(front.length).toBeGreaterThan(0);
    expect(back.length).toBeGreaterThan(0);
    const switches = bus1.slice(1).filter((t, i) => t.address !== bus1[i].address).length;
    expect(switches).toBeGreaterThan(2);
    // Bus 2 (garden) never waited for bus 1: its messages ran while bus 1 was busy.
    const bus2 = transactions.filter((t) => t.bus === 'sim:2');
    const bus1End = Math.max(...bus1.map((t) => t.startedAt + t.ms));
    expect(bus2.some((t) => t.startedAt < bus1End)).toBe(true);
  });

  it("keeps each camera's photos apart: lists, counts and /capture?camera=", async () => {
    const { body: one } = await api<{ items: PhotoJson[] }>('/api/cameras/back/photos');
    expect(one.items.length).toBeGreaterThan(0);
    expect(one.items.every((p) => p.camera === 'back')).toBe(true);
    const { body: byQuery } = await api<{ items: PhotoJson[] }>('/api/photos?camera=garden');
    expect(byQuery.items.every((p) => p.camera === 'garden')).toBe(true);
    const { body: status } = await api<{ cameras: Array<{ name: string; photos: number }> }>('/api/status');
    expect(status.cameras.map((c) => c.photos)).toEqual([1, 1, 1]);

    const frames = delivered.get('back')!.length;
    const res = await fetch(new URL('/capture?camera=back', server.url));
    expect(res.status).toBe(200);
    const jpeg = Buffer.from(await res.arrayBuffer());
    // Two frames: a still is fresh, so the frame the camera held is thrown away first.
    expect(delivered.get('back')).toHaveLength(frames + 2);
    expect(delivered.get('back')!.at(-1)).toBe(createHash('sha256').update(jpeg).digest('hex'));
    // Without ?camera, today's URL means the first camera.
    const firstFrames = delivered.get('front')!.length;
    expect((await fetch(new URL('/capture', server.url))).status).toBe(200);
    expect(delivered.get('front')).toHaveLength(firstFrames + 2);
    const unknown = await fetch(new URL('/capture?camera=porch', server.url));
    expect(unknown.status).toBe(404);
  });

  it("switches one camera's LED by name, and the old /api/flash still means the first camera", async () => {
    const res = await api<{ on: boolean }>('/api/cameras/garden/led', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"on": true}',
    });
    expect(res.body).toEqual({ on: true });
    expect(server.hardware.boards.get('garden')!.info().flashLed).toBe(true);
    expect(server.hardware.boards.get('front')!.info().flashLed).toBe(false);
    await api('/api/flash', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"on": true}' });
    expect(server.hardware.boards.get('front')!.info().flashLed).toBe(true);
    expect(server.hardware.boards.get('back')!.info().flashLed).toBe(false);
  });
});

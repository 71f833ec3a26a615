/**
 * Firmware over HTTP: GET /api/ports, POST /api/firmware starting a flash job into the service's simulated
 * board (sim:cam, its flash kept in <dataDir>/sim-flash.bin), the job's progress over socket.io, and
 * the uploads refused before any job starts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { mergedImage } from '../flasher/image-builders.js';

const BIG = mergedImage(0, 0x170000 - 0x10000); // 0x170000 bytes, about 1.5 MB, like freshev's firmware_camera.bin
const SMALL = mergedImage(0, 0x20000);

interface ErrorBody {
  error: { code: string; message: string; hint: string };
}
interface JobJson {
  id: string;
  port: string;
  size: number;
  state: 'running' | 'done' | 'failed';
  progress?: { phase: string; written: number; total: number; bytesPerSecond: number };
  result?: { offset: number; length: number; bootLog: string; md5: string; baudRate: number };
  error?: ErrorBody['error'];
  log: string[];
}

let server: RunningServer;
let dataDir: string;
let socket: Socket;
const logged: string[] = [];

/** Everything socket.io delivered, in order. */
const received: Array<{ event: string; data: { id: string } & Record<string, unknown> }> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-fw-'));
  server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: (line) => logged.push(line) });
  socket = connect(server.url, { transports: ['websocket'], forceNew: true });
  for (const event of ['job:started', 'job:progress', 'job:log', 'job:done', 'job:failed']) {
    socket.on(event, (data: { id: string }) =>
      received.push({ event, data: data.id ? data : { ...data, id: (data as unknown as { job: { id: string } }).job.id } }),
    );
  }
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
});

afterAll(async () => {
  socket?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, server.url));
  return { status: res.status, body: (await res.json()) as T };
}

async function upload<T>(query: string, body: Uint8Array | string, type: string | null = 'application/octet-stream'): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(`/api/firmware?${query}`, server.url), {
    method: 'POST',
    headers: type ? { 'content-type': type } : {},
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Resolves with the job's closing event (job:done or job:failed), whenever it arrives. */
function finished(id: string, timeoutMs = 60_000): Promise<{ event: string; data: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${id} did not finish`)), timeoutMs);
    const poll = setInterval(() => {
      const end = received.find((r) => r.data.id === id && (r.event === 'job:done' || r.event === 'job:failed'));
      if (end) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(end);
      }
    }, 20);
  });
}

const eventsOf = (id: string) => received.filter((r) => r.data.id === id);
const flashFile = () => readFile(join(dataDir, 'sim-flash.bin'));
const simPath = () => server.simPort!;

describe('GET /api/ports', () => {
  it('lists the simulated board first, as a CP210x ESP board labelled simulated', async () => {
    const { status, body } = await get<{ ports: Array<Record<string, unknown>> }>('/api/ports');
    expect(status).toBe(200);
    expect(body.ports[0]).toMatchObject({ path: 'sim:cam', simulated: true, likelyEsp: true, bridge: 'cp210x', vid: '10c4', pid: 'ea60' });
    expect(body.ports[0]!.resetNote).toMatch(/DTR\/RTS/);
    expect((await get<{ ports: unknown[] }>('/api/ports?all=1')).body.ports.length).toBeGreaterThanOrEqual(body.ports.length);
    expect((await get<ErrorBody>('/api/ports?all=maybe')).status).toBe(400);
  });
});

describe('POST /api/firmware refuses bad uploads before a job starts', () => {
  const refused: Array<[string, string, Uint8Array | string, string | null, number, string]> = [
    [
      'a file that is not an image',
      'port=sim:cam',
      new TextEncoder().encode('<html>not firmware</html>'.repeat(100)),
      'application/octet-stream',
      422,
      'E_BAD_IMAGE',
    ],
    ['an empty file', 'port=sim:cam', new Uint8Array(0), 'application/octet-stream', 422, 'E_BAD_IMAGE'],
    ['a truncated image', 'port=sim:cam', SMALL.subarray(0, 0x12000), 'application/octet-stream', 422, 'E_BAD_IMAGE'],
    ['a merged image at 0x1000', 'port=sim:cam&offset=0x1000', SMALL, 'application/octet-stream', 422, 'E_WRONG_OFFSET'],
    ['an offset inside a sector', 'port=sim:cam&offset=0x10&force=1', SMALL, 'application/octet-stream', 422, 'E_WRONG_OFFSET'],
    ['a file over the 16 MB limit', 'port=sim:cam', new Uint8Array(17 * 1024 * 1024).fill(0xe9), 'application/octet-stream', 413, 'E_UPLOAD_TOO_LARGE'],
    ['an unknown port', 'port=/dev/ttyNOPE9', SMALL, 'application/octet-stream', 404, 'E_PORT_NOT_FOUND'],
    ['a simulated port that does not exist', 'port=sim:other', SMALL, 'application/octet-stream', 404, 'E_PORT_NOT_FOUND'],
    ['a bad baud rate', 'port=sim:cam&baud=fast', SMALL, 'application/octet-stream', 400, 'E_BAD_INPUT'],
    ['an unknown reset strategy', 'port=sim:cam&before=sometimes', SMALL, 'application/octet-stream', 400, 'E_BAD_INPUT'],
    ['an unknown parameter', 'port=sim:cam&verify=0', SMALL, 'application/octet-stream', 400, 'E_BAD_INPUT'],
    ['a JSON body', 'port=sim:cam', '{"firmware": "x"}', 'application/json', 415, 'E_UNSUPPORTED_MEDIA'],
    ['a text/plain body (what a cross-site form can send)', 'port=sim:cam', 'firmware=x', 'text/plain', 415, 'E_UNSUPPORTED_MEDIA'],
    ['an untyped body (what a no-cors fetch can send)', 'port=sim:cam', SMALL, null, 415, 'E_UNSUPPORTED_MEDIA'],
  ];

  it.each(refused)('%s', async (_name, query, body, type, status, code) => {
    const before = await flashFile();
    const res = await upload<ErrorBody>(query, body, type);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).not.toBe('');
    expect(res.body.error.hint).not.toBe('');
    expect((await get<{ jobs: unknown[] }>('/api/jobs')).body.jobs).toEqual([]);
    expect((await flashFile()).equals(before)).toBe(true);
  });

  it('leaves the factory firmware of the simulated board in place and starts no job', async () => {
    const flash = await flashFile();
    // The bootloader's image magic at 0x1000 and freshev's partition table at 0x8000, as the board shipped.
    expect(flash[0x1000]).toBe(0xe9);
    expect(flash.subarray(0x8000, 0x8002)).toEqual(Buffer.from([0xaa, 0x50]));
    expect(received).toEqual([]);
  });
});

describe('flash jobs into the simulated board', () => {
  it('flashes a 1.5 MB image: 202, progress and the boot log over socket.io, the image in the flash file; a second job on the port is 409', async () => {
    const res = await upload<{ job: JobJson }>('port=sim:cam&baud=921600', BIG);
    expect(res.status).toBe(202);
    expect(res.body.job).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), port: 'sim:cam', size: BIG.length, state: 'running' });
    const { id } = res.body.job;

    const second = await upload<ErrorBody>('port=sim:cam', SMALL);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'E_PORT_BUSY', message: expect.stringContaining(id) });
    const running = await get<{ job: JobJson }>(`/api/jobs/${id}`);
    expect(running.body.job.state).toBe('running');

    const end = await finished(id);
    expect(end.event).toBe('job:done');
    const result = end.data.result as JobJson['result'];
    expect(result).toMatchObject({ offset: 0, length: BIG.length, baudRate: 921600 });
    expect(result!.bootLog).toMatch(/MicroPython/);

    const events = eventsOf(id);
    expect(events[0]!.event).toBe('job:started');
    const writes = events.filter((e) => e.event === 'job:progress' && e.data.phase === 'write');
    expect(writes.length).toBeGreaterThan(3);
    expect(writes.at(-1)!.data).toMatchObject({ written: BIG.length, total: BIG.length });
    expect(writes.every((w) => typeof w.data.bytesPerSecond === 'number')).toBe(true);
    // Progress arrives before the end, in order.
    expect(events.findIndex((e) => e.event === 'job:progress')).toBeLessThan(events.findIndex((e) => e.event === 'job:done'));
    const lines = events.filter((e) => e.event === 'job:log').map((e) => e.data.line as string);
    expect(lines.some((l) => /Connected to ESP32/.test(l))).toBe(true);

    expect((await flashFile()).subarray(0, BIG.length).equals(Buffer.from(BIG))).toBe(true);

    const after = await get<{ job: JobJson }>(`/api/jobs/${id}`);
    expect(after.body.job).toMatchObject({ id, state: 'done', progress: { phase: 'verify' }, result: { md5: result!.md5 } });
    expect(after.body.job.log).toEqual(lines);
  }, 90_000);

  it('fails a job for the wrong chip once the board is known, writing nothing', async () => {
    const s3 = mergedImage(9, 0x8000).subarray(0x1000);
    const before = await flashFile();
    const res = await upload<{ job: JobJson }>('port=sim:cam&baud=921600', s3);
    expect(res.status).toBe(202);
    const end = await finished(res.body.job.id);
    expect(end.event).toBe('job:failed');
    expect(end.data.error).toMatchObject({ code: 'E_WRONG_CHIP', message: expect.stringMatching(/ESP32-S3.*ESP32/) });
    expect((await flashFile()).equals(before)).toBe(true);
    const job = (await get<{ job: JobJson }>(`/api/jobs/${res.body.job.id}`)).body.job;
    expect(job).toMatchObject({ state: 'failed', error: { code: 'E_WRONG_CHIP' } });
  }, 30_000);

  it('reports a board unplugged mid-write within seconds, and flashes it again once plugged back (to the only board, with no port given)', async () => {
    const board = server.sim!.serial;
    const res = await upload<{ job: JobJson }>(`port=${simPath()}&baud=921600`, SMALL);
    const { id } = res.body.job;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (eventsOf(id).some((e) => e.event === 'job:progress' && e.data.phase === 'write' && (e.data.written as number) > 0)) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    board.unplug();
    const end = await finished(id, 10_000);
    expect(end.event).toBe('job:failed');
    expect(end.data.error).toMatchObject({ code: 'E_PORT_DISCONNECTED', message: expect.stringMatching(/will not boot until it is flashed again/) });

    board.plug();
    // Without ?port= the job goes to the one ESP board there is: here, the simulated one.
    const again = await upload<{ job: JobJson }>('baud=921600', SMALL);
    expect(again.status).toBe(202);
    expect(again.body.job.port).toBe(simPath());
    const done = await finished(again.body.job.id);
    expect(done.event).toBe('job:done');
    expect((await flashFile()).subarray(0, SMALL.length).equals(Buffer.from(SMALL))).toBe(true);
  }, 60_000);

  it('walks the user through a manual reset over socket.io (before=manual): GPIO0 to GND, RST pressed', async () => {
    const board = server.sim!.serial;
    const res = await upload<{ job: JobJson }>(`port=${simPath()}&baud=921600&before=manual`, SMALL);
    expect(res.status).toBe(202);
    const { id } = res.body.job;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (eventsOf(id).some((e) => e.event === 'job:log' && /GPIO0.*GND.*RST/.test(e.data.line as string))) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    // What the user does with the board in hand.
    board.holdBoot(true);
    board.pressReset();
    setTimeout(() => board.holdBoot(false), 200);
    const end = await finished(id);
    expect(end.event).toBe('job:done');
    expect(end.data.result).toMatchObject({ reset: expect.stringMatching(/manual/), length: SMALL.length });
    const lines = eventsOf(id)
      .filter((e) => e.event === 'job:log')
      .map((e) => e.data.line as string);
    // The instructions are logged once; later attempts only count down.
    expect(lines.filter((l) => /^Hold GPIO0/.test(l))).toHaveLength(1);
  }, 60_000);

  it('answers unknown and malformed job ids with 404 and 400', async () => {
    expect((await get<ErrorBody>('/api/jobs/0123456789abcdef')).body.error.code).toBe('E_NOT_FOUND');
    const bad = await get<ErrorBody>('/api/jobs/..%2F..%2Fetc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_BAD_ID');
    expect(logged.filter((l) => /unexpected/.test(l))).toEqual([]);
  });
});

describe('closing the service', () => {
  it("ends a running flash job on its simulated board instead of waiting for it, and leaves other services' boards alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esp32cam-fw-close-'));
    const other = await startServer({ port: 0, dataDir: dir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
    try {
      const jobs = other.services.flashJobs;
      // The first service in this process holds sim:cam; a second one gets its own simulated port.
      expect(other.simPort).not.toBe(simPath());
      const job = await jobs.start({ port: other.simPort!, image: BIG, baudRate: 921600 });
      await new Promise<void>((resolve) => jobs.on('job:progress', (p) => p.id === job.id && p.phase === 'write' && resolve()));
      await other.close();
      expect(jobs.get(job.id)).toMatchObject({ state: 'failed', error: { code: 'E_PORT_DISCONNECTED' } });
      await expect(jobs.start({ image: SMALL })).rejects.toMatchObject({ code: 'E_CLOSED' });
      // The first service's board is still registered and listed.
      expect((await get<{ ports: Array<{ path: string }> }>('/api/ports')).body.ports[0]!.path).toBe('sim:cam');
    } finally {
      await other.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

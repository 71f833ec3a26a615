/**
 * Script pushes and the board's files over HTTP against the real service: uploads refused before any byte
 * reaches the board (too large, binary, syntax error with file:line, bad settings), the port shared with
 * the console, a board that does not run MicroPython failing the job with E_NOT_MICROPYTHON, and, once the
 * service's simulated board runs MicroPython, the bundled script and an uploaded .py pushed with progress
 * and listed after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';

interface ErrorPayload {
  code: string;
  message: string;
  hint: string;
}
interface PushJobJson {
  id: string;
  port: string;
  state: 'running' | 'done' | 'failed';
  source: string;
  files: number;
  error?: ErrorPayload;
  result?: {
    files: Array<{ path: string; skipped: boolean; bytes: number; wireBytes: number }>;
    summary: { pushed: number; skipped: number; bytes: number; wireBytes: number; ratio?: number };
    listing: Array<{ name: string; size: number; type: string }>;
  };
  log: string[];
}

let server: RunningServer;
let dataDir: string;
let socket: Socket;
const received: Array<{ event: string; data: Record<string, unknown> & { id: string } }> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-scripts-'));
  server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
  socket = connect(server.url, { transports: ['websocket'], forceNew: true });
  for (const event of ['job:started', 'job:progress', 'job:log', 'job:done', 'job:failed']) {
    socket.on(event, (data: Record<string, unknown> & { id: string; job?: { id: string } }) =>
      received.push({ event, data: { ...data, id: data.id ?? data.job!.id } }),
    );
  }
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
});

afterAll(async () => {
  socket?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function push<T>(query: string, body: Uint8Array | string | object, type?: string): Promise<{ status: number; body: T; location: string | null }> {
  const json = typeof body === 'object' && !(body instanceof Uint8Array);
  const res = await fetch(new URL(`/api/scripts/push${query ? `?${query}` : ''}`, server.url), {
    method: 'POST',
    headers: { 'content-type': type ?? (json ? 'application/json' : 'text/x-python') },
    body: json ? JSON.stringify(body) : typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: res.status, body: (await res.json()) as T, location: res.headers.get('location') };
}

function finished(id: string, timeoutMs = 90_000): Promise<{ event: string; data: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`push job ${id} did not finish`)), timeoutMs);
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

const simPath = () => server.simPort!;

describe('POST /api/scripts/push refuses bad uploads before a job starts', () => {
  const cases: Array<[string, string, Uint8Array | string | object, string | undefined, number, string, RegExp]> = [
    ['a script over 256 KB', 'name=big.py', '#'.repeat(300 * 1024), undefined, 413, 'E_UPLOAD_TOO_LARGE', /256 KB/],
    [
      'a binary file named .py',
      'name=photo.py',
      Uint8Array.of(0xff, 0xd8, 0xff, 0x00, 0x10, 0x4a, 0x46),
      'application/octet-stream',
      400,
      'E_BAD_INPUT',
      /photo\.py is not a text Python script/,
    ],
    ['a syntax error', 'name=broken.py', 'x = 1\ndef f(:\n    pass\n', undefined, 422, 'E_SCRIPT_SYNTAX', /^broken\.py:2: /],
    ['a file that is not .py', 'name=notes.txt', 'hello', undefined, 400, 'E_BAD_INPUT', /not a \.py script/],
    ['a name with a quote', "name=it's.py", 'print(1)\n', undefined, 400, 'E_BAD_INPUT', /not allowed/],
    ['an upload without a name', '', 'print(1)\n', undefined, 400, 'E_BAD_INPUT', /needs \?name=/],
    ['an empty upload', 'name=empty.py', '', undefined, 400, 'E_BAD_INPUT', /empty/],
    ['an unknown setting', '', { config: { I2C_ADRESS: 1 } }, undefined, 400, 'E_CONFIG', /I2C_ADRESS/],
    ['an unknown body key', '', { files: ['x'] }, undefined, 400, 'E_BAD_INPUT', /Unknown parameter files/],
    ['an unknown query parameter', 'verbose=1', {}, undefined, 400, 'E_BAD_INPUT', /Unknown parameter verbose/],
    ['a port that does not exist', 'port=sim:nothing', {}, undefined, 404, 'E_PORT_NOT_FOUND', /sim:nothing/],
    ['bad JSON', '', '{"force": tru', 'application/json', 400, 'E_BAD_INPUT', /not valid JSON/],
    ['a text/plain body (what a cross-site form can send)', 'name=evil.py', 'print(1)\n', 'text/plain', 415, 'E_UNSUPPORTED_MEDIA', /text\/x-python/],
  ];

  it.each(cases)('%s', async (_name, query, body, type, status, code, message) => {
    const res = await push<{ error: ErrorPayload }>(query, body, type);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.hint).not.toBe('');
    expect(await (await fetch(new URL('/api/scripts/jobs', server.url))).json()).toEqual({ jobs: [] });
  });
});

describe('the port is shared with the console', () => {
  it('refuses a push and a file listing while the web console is open, naming it', async () => {
    await server.services.consoles.join('test-viewer');
    try {
      const res = await push<{ error: ErrorPayload }>(`port=${simPath()}`, {});
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'E_PORT_BUSY',
        message: expect.stringMatching(/web console/),
        hint: expect.stringMatching(/Disconnect the serial console/),
      });
      const files = await fetch(new URL('/api/device/files', server.url));
      expect(files.status).toBe(409);
    } finally {
      server.services.consoles.leave('test-viewer');
    }
  });
});

describe('pushing to the board', () => {
  it('pushes the bundled script with progress over socket.io, then lists main.py on the board', async () => {
    const res = await push<{ job: PushJobJson }>('', { config: { I2C_ADDRESS: '0x2c' }, force: true });
    expect(res.status).toBe(202);
    const end = await finished(res.body.job.id);
    expect(end.event).toBe('job:done');
    const events = received.filter((r) => r.data.id === res.body.job.id);
    expect(events.some((e) => e.event === 'job:progress' && e.data.phase === 'write')).toBe(true);
    const result = end.data.result as PushJobJson['result'];
    expect(result!.summary.pushed).toBe(2);
    expect(result!.listing.map((f) => f.name)).toEqual(expect.arrayContaining(['camconfig.py', 'main.py']));
    const listed = (await (await fetch(new URL('/api/device/files?dir=/', server.url))).json()) as { files: Array<{ name: string; size: number }> };
    expect(listed.files.find((f) => f.name === 'main.py')!.size).toBe(result!.files.find((f) => f.path === '/main.py')!.bytes);
  });

  it('pushes an uploaded .py into a folder', async () => {
    const res = await push<{ job: PushJobJson }>('name=util.py&to=lib', 'def answer():\n    return 42\n');
    expect(res.status).toBe(202);
    expect((await finished(res.body.job.id)).event).toBe('job:done');
    const listed = (await (await fetch(new URL('/api/device/files?dir=/lib', server.url))).json()) as { files: Array<{ name: string }> };
    expect(listed.files.map((f) => f.name)).toContain('util.py');
  });
});

describe('pushing with run=1', () => {
  it("resets the board, sees the slave script start and pings it over I2C through the service's camera", async () => {
    const res = await push<{ job: PushJobJson }>('run=1', { force: true });
    const end = await finished(res.body.job.id);
    expect(end.event).toBe('job:done');
    const run = (end.data.result as { run: { reset: string; banner: string; address: number; ping: { protocol: string } } }).run;
    expect(run.reset).toBe('rts');
    expect(run.banner).toMatch(/^esp32cam-slave\/\S+ .*: I2C 0x2C/);
    expect(run.ping.protocol).toBe('v2');
  });

  it("fails the job, naming both addresses, when a pushed setting moves the slave away from the service's camera", async () => {
    const res = await push<{ job: PushJobJson }>('run=1', { config: { I2C_ADDRESS: '0x2d' } });
    const end = await finished(res.body.job.id);
    expect(end.event).toBe('job:failed');
    expect(end.data.error).toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/0x2d.*0x2c/) });
    // Put it back for the tests after this one.
    expect((await finished((await push<{ job: PushJobJson }>('run=1', { config: { I2C_ADDRESS: '0x2c' } })).body.job.id)).event).toBe('job:done');
  });
});

describe('GET /api/device/files', () => {
  it('refuses bad parameters', async () => {
    const res = await fetch(new URL('/api/device/files?dir=/&recursive=1', server.url));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: ErrorPayload }).error.code).toBe('E_BAD_INPUT');
  });
});

describe('a board without MicroPython (its flash erased, so the ROM loops on "invalid header")', () => {
  beforeAll(() => {
    const board = server.sim!.serial;
    board.flash.eraseAll();
    board.pressReset();
  });

  it('fails the job with E_NOT_MICROPYTHON while the board has no MicroPython (its ROM boot loop), sending no file', async () => {
    const res = await push<{ job: PushJobJson }>('', { force: true });
    expect(res.status).toBe(202);
    expect(res.body.job).toMatchObject({ port: simPath(), state: 'running', source: 'bundled slave script', files: 2 });
    const end = await finished(res.body.job.id);
    expect(end.event).toBe('job:failed');
    expect(end.data.error).toMatchObject({ code: 'E_NOT_MICROPYTHON' });
    const job = (await (await fetch(new URL(`/api/scripts/jobs/${res.body.job.id}`, server.url))).json()) as { job: PushJobJson };
    expect(job.job).toMatchObject({ state: 'failed', error: { code: 'E_NOT_MICROPYTHON' } });
    expect(job.job.log[0]).toMatch(/Pushing \/camconfig\.py, \/main\.py to sim:cam/);
    // The one job API has it too, with its kind, as does every event of it.
    expect(res.location).toBe(`/api/jobs/${res.body.job.id}`);
    const one = (await (await fetch(new URL(`/api/jobs/${res.body.job.id}`, server.url))).json()) as { job: PushJobJson & { kind: string } };
    expect(one.job).toMatchObject({ id: res.body.job.id, kind: 'push', state: 'failed' });
    const all = (await (await fetch(new URL('/api/jobs', server.url))).json()) as { jobs: Array<{ id: string; kind: string }> };
    expect(all.jobs.find((j) => j.id === res.body.job.id)?.kind).toBe('push');
    const flashOnly = (await (await fetch(new URL('/api/jobs?kind=flash', server.url))).json()) as { jobs: Array<{ id: string }> };
    expect(flashOnly.jobs.some((j) => j.id === res.body.job.id)).toBe(false);
    expect((await fetch(new URL('/api/jobs?kind=reboot', server.url))).status).toBe(400);
    expect(received.filter((r) => r.data.id === res.body.job.id).every((r) => r.data.kind === 'push')).toBe(true);
    // The port is free again.
    expect(server.services.serial.claims.holder(simPath())).toBeUndefined();
  });

  it('answers 502 E_NOT_MICROPYTHON for a board without MicroPython', async () => {
    const res = await fetch(new URL('/api/device/files', server.url));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: ErrorPayload }).error.code).toBe('E_NOT_MICROPYTHON');
  });
});

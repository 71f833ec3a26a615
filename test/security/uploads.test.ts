import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { HandUpload } from './upload-client.js';

const MB = 1024 * 1024;

/** Polls a condition on the file system: the event that matters is a file appearing or going away. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Uploads against the real service: limits before the body, limits while it streams, the body on disk and
 * not in memory, a cap on uploads in flight, and nothing left or started when a client goes away.
 */
describe('uploads', () => {
  let server: RunningServer;
  let dataDir: string;
  const uploads = (): Promise<string[]> => readdir(join(dataDir, 'uploads')).catch(() => []);
  const jobs = (): number => server.services.flashJobs.list().length + server.services.pushJobs.list().length;
  const firmwareHeaders = { 'content-type': 'application/octet-stream' };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-uploads-'));
    // A crash's leftover, which start-up removes.
    await mkdir(join(dataDir, 'uploads'), { recursive: true });
    await writeFile(join(dataDir, 'uploads', 'firmware-0123456789abcdef.part'), Buffer.alloc(4096, 0xe9));
    server = await startServer(
      { port: 0, dataDir, camera: 'sim', limits: { firmwareBytes: '2MB', scriptBytes: '256KB', uploadsInFlight: 2 } },
      { healthIntervalMs: 0, log: () => undefined },
    );
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('removes unfinished uploads a crash left, at start-up', async () => {
    expect(await uploads()).toEqual([]);
  });

  it('answers a declared Content-Length over the limit with 413 before a byte of the body is sent', async () => {
    const up = new HandUpload(server.port, '/api/firmware?port=sim:cam', { ...firmwareHeaders, 'content-length': String(20 * MB) });
    const reply = await up.reply;
    expect(up.sent).toBe(0);
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatchObject({
      code: 'E_UPLOAD_TOO_LARGE',
      message: expect.stringContaining('2 MB'),
      hint: expect.stringContaining('limits.firmwareBytes'),
    });
    up.cut();
    expect(jobs()).toBe(0);
  });

  it.each([
    ['a script', '/api/scripts/push?name=big.py', { 'content-type': 'text/x-python' }, 256 * 1024, Buffer.alloc(16 * 1024, 0x23)],
    ['a firmware image', '/api/firmware?port=sim:cam', firmwareHeaders, 2 * MB, Buffer.alloc(64 * 1024, 0xe9)],
  ])('cuts off %s sent chunked as soon as it passes the limit, with 413', async (_name, path, headers, limit, chunk) => {
    const up = new HandUpload(server.port, path, headers);
    const max = limit + 64 * MB;
    await up.stream(chunk, max);
    const reply = await up.reply;
    expect(reply.status).toBe(413);
    expect(reply.body.error!.code).toBe('E_UPLOAD_TOO_LARGE');
    // The service read no more than one socket read past the limit (what the client had pushed into the
    // kernel's buffers by then is not the service's to count), and the client stopped on the answer.
    const read = Number(/cut off after (\d+) bytes/.exec(reply.body.error!.message)?.[1]);
    expect(read).toBeGreaterThan(limit);
    expect(read).toBeLessThanOrEqual(limit + 256 * 1024);
    expect(up.sent).toBeLessThan(max);
    up.cut();
    await until('the temp file is gone', async () => (await uploads()).length === 0);
    expect(jobs()).toBe(0);
  });

  it('streams the body into a temp file in the data directory, and removes it when the client cuts the upload off', async () => {
    const flashBefore = server.sim!.serial.flash.read(0, 64 * 1024);
    const up = new HandUpload(server.port, '/api/firmware?port=sim:cam', { ...firmwareHeaders, 'content-length': String(MB) });
    await up.send(Buffer.alloc(300 * 1024, 0xe9));
    await until('the body is on disk as it arrives', async () => {
      const names = await uploads();
      return names.length === 1 && (await stat(join(dataDir, 'uploads', names[0]!))).size === 300 * 1024;
    });
    const [name] = await uploads();
    expect((await stat(join(dataDir, 'uploads', name!))).mode & 0o777).toBe(0o600);
    up.cut();
    await until('the temp file is gone', async () => (await uploads()).length === 0);
    expect(jobs()).toBe(0);
    expect(server.sim!.serial.flash.read(0, 64 * 1024).equals(flashBefore)).toBe(true);
  });

  it('caps the uploads in flight: a third gets 429 with the reason, and goes through once one is over', async () => {
    const held = [0, 1].map(() => new HandUpload(server.port, '/api/scripts/push?name=a.py', { 'content-type': 'text/x-python', 'content-length': '200000' }));
    for (const up of held) await up.send(Buffer.from('# held\n'.repeat(1000)));
    await until('both uploads stream', async () => (await uploads()).length === 2);

    const third = new HandUpload(server.port, '/api/scripts/push?name=b.py', { 'content-type': 'text/x-python', 'content-length': '10' });
    const refused = await third.reply;
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'E_UPLOAD_BUSY', hint: expect.stringContaining('uploadsInFlight') });
    third.cut();

    for (const up of held) up.cut();
    await until('the held uploads are gone', async () => (await uploads()).length === 0);
    const script = Buffer.from('print("hello")\n');
    const fourth = new HandUpload(server.port, '/api/scripts/push?name=hello.py', { 'content-type': 'text/x-python', 'content-length': String(script.length) });
    await fourth.send(script);
    fourth.end();
    const accepted = await fourth.reply;
    expect(accepted.status).toBe(202);
    expect(await uploads()).toEqual([]);
  });

  it('reports a body shorter than its Content-Length as incomplete, starting nothing', async () => {
    const script = Buffer.from('print("half")\n');
    const up = new HandUpload(server.port, '/api/scripts/push?name=half.py', {
      'content-type': 'text/x-python',
      'content-length': String(script.length + 100),
    });
    const before = jobs();
    await up.send(script);
    await until('the partial body is on disk', async () => (await uploads()).length === 1);
    up.cut();
    await until('the temp file is gone', async () => (await uploads()).length === 0);
    expect(jobs()).toBe(before);
  });
});

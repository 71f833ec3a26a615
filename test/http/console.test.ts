/**
 * The web serial console over socket.io against the real service and its simulated board (sim:cam):
 * one session shared by every socket, scrollback for late joiners, input reaching the board's UART, the
 * port's lock shared with flashing, typed errors for bad payloads, and an unplugged board ending the session.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { openSerialPort } from '../../host/src/transports/serial/index.js';
import { SimSerialBinding } from '../../host/src/sim/uart/index.js';
import { mergedImage } from '../flasher/image-builders.js';

interface ErrorPayload {
  code: string;
  message: string;
  hint: string;
}
interface JoinReply {
  port?: string;
  viewers?: number;
  scrollback?: Buffer;
  error?: ErrorPayload;
}
interface StateEvent {
  port: string;
  state: 'open' | 'closed';
  viewers: number;
  error?: ErrorPayload;
}

let server: RunningServer;
let dataDir: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esp32cam-console-'));
  server = await startServer({ port: 0, dataDir, camera: 'sim' }, { healthIntervalMs: 0, log: () => undefined });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function tab(): Promise<Socket & { output: () => string; states: StateEvent[]; errors: ErrorPayload[] }> {
  const socket = connect(server.url, { transports: ['websocket'], forceNew: true });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const states: StateEvent[] = [];
  const errors: ErrorPayload[] = [];
  socket.on('console:output', ({ data }: { data: Buffer }) => chunks.push(Buffer.from(data)));
  socket.on('console:state', (event: StateEvent) => states.push(event));
  socket.on('console:error', (error: ErrorPayload) => errors.push(error));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return Object.assign(socket, { output: () => Buffer.concat(chunks).toString('latin1'), states, errors });
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const simPath = () => server.simPort!;
const board = () => server.sim!.serial;

describe('the serial console over socket.io', () => {
  let a: Awaited<ReturnType<typeof tab>>;
  let b: Awaited<ReturnType<typeof tab>>;

  it('opens the simulated board by default, without resetting it; Ctrl-C stops the slave script and the REPL answers', async () => {
    const resets: unknown[] = [];
    const onBoot = (boot: unknown) => resets.push(boot);
    board().on('boot', onBoot);
    a = await tab();
    const reply = (await a.emitWithAck('console:join', {})) as JoinReply;
    expect(reply.error).toBeUndefined();
    expect(reply).toMatchObject({ port: simPath(), viewers: 1 });
    expect(await a.emitWithAck('console:input', Buffer.from([0x03]))).toEqual({ ok: true });
    await until(() => /KeyboardInterrupt: \r\n[^]*>>> $/.test(a.output()), 'the traceback and the prompt');
    board().off('boot', onBoot);
    expect(resets).toEqual([]);
    expect(server.services.consoles.isOpen(simPath())).toBe(true);
  });

  it('shares the session with a second tab: scrollback first, then the same output; input from either reaches the board', async () => {
    b = await tab();
    const reply = (await b.emitWithAck('console:join', { port: simPath() })) as JoinReply;
    expect(reply).toMatchObject({ port: simPath(), viewers: 2 });
    expect(Buffer.from(reply.scrollback!).toString('latin1')).toMatch(/KeyboardInterrupt/);
    await until(() => a.states.some((s) => s.state === 'open' && s.viewers === 2), 'the first tab to hear of the second');

    const received: Buffer[] = [];
    const onIn = (bytes: Uint8Array) => received.push(Buffer.from(bytes));
    board().on('uart-in', onIn);
    expect(await b.emitWithAck('console:input', 'print(6*7)\r')).toEqual({ ok: true });
    await until(() => /\r\n42\r\n>>> $/.test(a.output()) && /\r\n42\r\n>>> $/.test(b.output()), 'the answer in both tabs');
    expect(await a.emitWithAck('console:input', Buffer.from([0x03]))).toEqual({ ok: true });
    await until(() => Buffer.concat(received).length >= 12, "the input at the board's RX pin");
    board().off('uart-in', onIn);
    expect(Buffer.concat(received).toString('latin1')).toBe('print(6*7)\r\x03');
  });

  it("resets the board through the port's RTS line, with the reset sequence flashing uses, and every tab sees it boot", async () => {
    const booted = new Promise<unknown>((resolve) => board().once('boot', resolve));
    // The slave script runs again after the boot: it has started once it arms its watchdog.
    const scriptUp = new Promise<unknown>((resolve) => server.sim!.once('watchdog', resolve));
    const before = b.output().length;
    expect(await a.emitWithAck('console:reset', {})).toEqual({ ok: true });
    await booted;
    await until(() => /rst:0x1 \(POWERON_RESET\)/.test(b.output().slice(before)), 'the boot log in the other tab');
    // Back to the prompt for the tests that follow: stop the script again.
    await scriptUp;
    const stopped = a.output().length;
    expect(await a.emitWithAck('console:input', Buffer.from([0x03]))).toEqual({ ok: true });
    await until(() => /KeyboardInterrupt: \r\n[^]*>>> $/.test(a.output().slice(stopped)), 'the prompt after the reset');
    const stranger = await tab();
    expect(await stranger.emitWithAck('console:reset', {})).toMatchObject({ error: { code: 'E_BAD_INPUT', message: expect.stringMatching(/not connected/) } });
    stranger.close();
  });

  it('holds the port: a flash or another opener is refused naming the web console', async () => {
    const res = await fetch(new URL(`/api/firmware?port=${simPath()}`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from(mergedImage(0, 0x20000)),
    });
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as { error: ErrorPayload };
    expect(error).toMatchObject({ code: 'E_PORT_BUSY', message: expect.stringMatching(/web console/) });
    expect(error.hint).toMatch(/Disconnect the serial console/);
    expect(server.services.flashJobs.list()).toEqual([]);

    // Below the service: the port's own lock names the console to whoever opens it in this process.
    await expect(openSerialPort({ path: simPath(), baudRate: 115200, binding: SimSerialBinding, owner: 'flasher' })).rejects.toMatchObject({
      code: 'E_PORT_BUSY',
      message: expect.stringMatching(/web console/),
    });
  });

  it('answers bad payloads with a typed error and keeps serving', async () => {
    expect(await a.emitWithAck('console:input', 42)).toMatchObject({ error: { code: 'E_BAD_INPUT' } });
    expect(await a.emitWithAck('console:input', { bytes: [1, 2] })).toMatchObject({ error: { code: 'E_BAD_INPUT' } });
    expect(await a.emitWithAck('console:input', 'x'.repeat(5000))).toMatchObject({ error: { code: 'E_BAD_INPUT', message: expect.stringMatching(/4096/) } });
    expect(await a.emitWithAck('console:input', Buffer.alloc(5000))).toMatchObject({ error: { code: 'E_BAD_INPUT' } });
    expect(await a.emitWithAck('console:join', { port: 5 })).toMatchObject({ error: { code: 'E_BAD_INPUT' } });
    expect(await a.emitWithAck('console:join', { port: 'sim:nothing' })).toMatchObject({ error: { code: 'E_PORT_NOT_FOUND' } });
    // Without an acknowledgement callback the error comes as console:error.
    a.emit('console:input', null);
    await until(() => a.errors.length > 0, 'console:error');
    expect(a.errors[0]!.code).toBe('E_BAD_INPUT');

    const stranger = await tab();
    expect(await stranger.emitWithAck('console:input', 'hello')).toMatchObject({
      error: { code: 'E_BAD_INPUT', message: expect.stringMatching(/not connected/) },
    });
    stranger.close();

    // The session survived all of it.
    const before = a.output().length;
    expect(await a.emitWithAck('console:input', 'print("still here")\r')).toEqual({ ok: true });
    await until(() => a.output().slice(before).includes('still here\r\n>>> '), 'the board to answer');
    expect((await fetch(new URL('/api/status', server.url))).status).toBe(200);
  });

  it('closes for everybody on an explicit disconnect, which frees the port', async () => {
    expect(await b.emitWithAck('console:disconnect', {})).toEqual({ ok: true });
    await until(() => a.states.some((s) => s.state === 'closed'), 'the other tab to hear it closed');
    expect(a.states.find((s) => s.state === 'closed')!.error).toBeUndefined();
    expect(server.services.consoles.isOpen(simPath())).toBe(false);
    expect(await a.emitWithAck('console:input', 'x')).toMatchObject({ error: { code: 'E_BAD_INPUT' } });
    const handle = await openSerialPort({ path: simPath(), baudRate: 115200, binding: SimSerialBinding, owner: 'test' });
    await handle.close();
  });

  it('closes when the last viewer leaves (a tab closed)', async () => {
    const c = await tab();
    expect(await c.emitWithAck('console:join', {})).toMatchObject({ viewers: 1 });
    expect(server.services.consoles.isOpen(simPath())).toBe(true);
    c.close();
    await until(() => !server.services.consoles.isOpen(simPath()), 'the console to close');
  });

  it('ends the session with E_PORT_DISCONNECTED when the board is unplugged', async () => {
    expect(await a.emitWithAck('console:join', {})).toMatchObject({ port: simPath() });
    // Cleared after the join's answer: the previous test's 'closed' (sent to every page) arrives before it.
    a.states.length = 0;
    board().unplug();
    try {
      await until(() => a.states.some((s) => s.state === 'closed'), 'the closed state');
      expect(a.states.find((s) => s.state === 'closed')!.error).toMatchObject({ code: 'E_PORT_DISCONNECTED', hint: expect.stringMatching(/plug/) });
      expect(server.services.consoles.isOpen(simPath())).toBe(false);
      expect(await a.emitWithAck('console:join', {})).toMatchObject({ error: { code: 'E_PORT_NOT_FOUND' } });
    } finally {
      board().plug();
    }
    expect(await a.emitWithAck('console:join', {})).toMatchObject({ port: simPath(), viewers: 1 });
  });
});

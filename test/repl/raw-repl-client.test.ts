import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawReplClient, RawReplOptions } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { startBoard, type TestBoard } from '../push/board.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isEsp32CamError(err)) return err.code;
    throw err;
  }
  return 'resolved';
}

const watchdogSetups = (b: TestBoard): number => b.execs.filter((e) => e.code.includes('machine.WDT(')).length;

describe.each([
  ['raw-paste', true],
  ['plain raw (board answers R\\x00)', false],
])('RawReplClient on the simulated board, %s', (_name, rawPaste) => {
  // One board for the describe, running a main.py shaped like the slave script; each test has its own client.
  let b: TestBoard;
  let client: RawReplClient;
  beforeAll(async () => {
    b = await startBoard({ rawPaste });
  });
  afterAll(async () => {
    await b?.close();
  });
  const fresh = (options: RawReplOptions = {}): RawReplClient => (client = b.newClient(options));

  it('runs code and returns stdout, with the path the board offered', async () => {
    fresh();
    const r = await client.exec('for i in range(3):\n    print("line", i * 7)\n');
    expect(r).toMatchObject({ stdout: 'line 0\r\nline 7\r\nline 14\r\n', error: undefined });
    expect(client.lastExecPath).toBe(rawPaste ? 'raw-paste' : 'raw');
    expect(client.rawPasteEnabled).toBe(rawPaste);
    expect(b.execs.at(-1)).toEqual({ code: 'for i in range(3):\n    print("line", i * 7)\n', how: rawPaste ? 'raw-paste' : 'raw' });
  });

  it('returns an exception on the board as a result, with stdout printed before it', async () => {
    fresh();
    const r = await client.exec('print("before")\nx = {}\nx["missing"]\n');
    expect(r.stdout).toBe('before\r\n');
    expect(r.error).toContain('line 3');
    expect(r.error).toContain('KeyError');
  });

  it('returns a syntax error as a result', async () => {
    fresh();
    const r = await client.exec('def f(:\n  pass\n');
    expect(r.stdout).toBe('');
    expect(r.error).toContain('SyntaxError');
  });

  it('sends code of many windows and collects long output', async () => {
    fresh();
    const body = Array.from({ length: 120 }, (_, i) => `v${i} = ${i} * 3  # padding so the code spans windows`).join('\n');
    const code = `${body}\nprint(sum([${Array.from({ length: 120 }, (_, i) => `v${i}`).join(',')}]))\nfor i in range(400):\n    print('%04d' % i, 'x' * 40)\n`;
    expect(code.length).toBeGreaterThan(128 * 20);
    const chunks: number[] = [];
    const r = await client.exec(code, { onStdout: (c) => chunks.push(c.length) });
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe(String(3 * ((119 * 120) / 2)));
    expect(lines[400]).toBe(`0399 ${'x'.repeat(40)}`);
    expect(chunks.reduce((a, c) => a + c, 0)).toBe(r.stdoutBytes.length);
    expect(b.board.sim.pasteOverruns).toBe(0);
    expect(b.execs.at(-1)?.code).toBe(code);
  });

  it('re-arms the watchdog the running script started before anything else, and feeds it again', async () => {
    // RST: main.py starts again with its own 30 s watchdog, the trap a session must get out of. The slave
    // answers before that line runs, so the test waits for the watchdog itself, not for the reset.
    const armed = new Promise<{ timeoutMs: number }>((resolve) => b.board.sim.once('watchdog', resolve));
    await b.board.sim.reset();
    expect((await armed).timeoutMs).toBe(30_000);
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(30_000);
    const first = b.execs.length;
    fresh();
    const r = await client.exec('print("after the watchdog")');
    expect(r.stdout).toBe('after the watchdog\r\n');
    const ran = b.execs.slice(first).map((e) => e.code);
    expect(ran).toHaveLength(2);
    expect(ran[0]).toContain('machine.WDT(timeout=600000)');
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(600_000);

    const askedAt = performance.now();
    await client.feedWatchdog();
    const tookMs = performance.now() - askedAt;
    expect(b.execs.slice(first).map((e) => e.code)).toEqual([ran[0], ran[1], ran[0]]);
    // Fed during the call: an unfed timer would show at least the time since the exec above.
    expect(b.board.sim.info().watchdog?.msSinceFeed).toBeLessThanOrEqual(tookMs + 1);
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(600_000);
  });

  it('interrupts code that runs past its timeout, and the session goes on', async () => {
    fresh();
    expect(await codeOf(client.exec('import time\nwhile True:\n    time.sleep_ms(1)\n', { timeoutMs: 300 }))).toBe('E_REPL_TIMEOUT');
    expect((await client.exec('print(6 * 7)')).stdout).toBe('42\r\n');
  });

  it('caps the output of a script that prints forever, then interrupts it', async () => {
    fresh();
    expect(await codeOf(client.exec('while True:\n    print("spam" * 10)\n', { maxOutputBytes: 6_000 }))).toBe('E_REPL_OUTPUT_LIMIT');
    expect((await client.exec('print("still here")')).stdout).toBe('still here\r\n');
  });

  it('reports a reboot mid-exec with its cause, then resyncs and re-arms the watchdog', async () => {
    const reboots: string[] = [];
    fresh({ onReboot: (i) => reboots.push(i.cause) });
    await client.exec('x = 1');
    // The watchdog trap itself: code that shortens the watchdog and never feeds it.
    const err = await client
      .exec('print("half")\nimport machine, time\nmachine.WDT(timeout=300)\nwhile True:\n    time.sleep_ms(1)\n', { timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(isEsp32CamError(err, 'E_BOARD_REBOOTED')).toBe(true);
    expect((err as Error).message).toContain('SW_CPU_RESET');
    expect(reboots).toEqual(['SW_CPU_RESET']);
    expect(b.board.sim.info().resetCause).toBe('WDT_RESET');
    const setupsBefore = watchdogSetups(b);
    // A fresh board: the variable is gone, and the watchdog was set up again before this ran.
    const r = await client.exec('print("x" in globals())');
    expect(r.stdout).toBe('False\r\n');
    expect(watchdogSetups(b)).toBe(setupsBefore + 1);
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(600_000);
  });

  it('soft-resets and stays in the raw REPL', async () => {
    fresh();
    await client.exec('y = 1');
    const softReboots: Array<{ raw: boolean }> = [];
    const onSoftReboot = (e: { raw: boolean }): number => softReboots.push(e);
    b.board.sim.on('soft-reboot', onSoftReboot);
    await client.softReset();
    b.board.sim.off('soft-reboot', onSoftReboot);
    expect(softReboots).toEqual([{ raw: true }]);
    expect(client.inRawRepl).toBe(true);
    expect((await client.exec('print(2, "y" in globals())')).stdout).toBe('2 False\r\n');
    await client.exitRaw();
    expect(client.inRawRepl).toBe(false);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { RawReplClient, duplexLink } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { MicroPythonUart } from './mp-uart.js';

const open: MicroPythonUart[] = [];
async function board(rawPaste: boolean): Promise<{ uart: MicroPythonUart; client: RawReplClient }> {
  const uart = await MicroPythonUart.start({ rawPaste });
  open.push(uart);
  return { uart, client: new RawReplClient(duplexLink(uart.stream)) };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((u) => u.close()));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isEsp32CamError(err)) return err.code;
    throw err;
  }
  return 'resolved';
}

describe.each([
  ['raw-paste', true],
  ['plain raw (board answers R\\x00)', false],
])('RawReplClient through MicroPython-WASM, %s', (_name, rawPaste) => {
  it('runs code and returns stdout, with the path the board offered', async () => {
    const { client } = await board(rawPaste);
    const r = await client.exec('for i in range(3):\n    print("line", i * 7)\n');
    expect(r).toMatchObject({ stdout: 'line 0\nline 7\nline 14\n', error: undefined });
    expect(client.lastExecPath).toBe(rawPaste ? 'raw-paste' : 'raw');
    expect(client.rawPasteEnabled).toBe(rawPaste);
  });

  it('returns an exception on the board as a result, with stdout printed before it', async () => {
    const { client } = await board(rawPaste);
    const r = await client.exec('print("before")\nx = {}\nx["missing"]\n');
    expect(r.stdout).toBe('before\n');
    expect(r.error).toContain('line 3');
    expect(r.error).toContain('KeyError');
  });

  it('returns a syntax error as a result', async () => {
    const { client } = await board(rawPaste);
    const r = await client.exec('def f(:\n  pass\n');
    expect(r.stdout).toBe('');
    expect(r.error).toContain('SyntaxError');
  });

  it('sends code of many windows and collects long output', async () => {
    const { uart, client } = await board(rawPaste);
    const body = Array.from({ length: 120 }, (_, i) => `v${i} = ${i} * 3  # padding so the code spans windows`).join('\n');
    const code = `${body}\nprint(sum([${Array.from({ length: 120 }, (_, i) => `v${i}`).join(',')}]))\nfor i in range(400):\n    print('%04d' % i, 'x' * 40)\n`;
    expect(code.length).toBeGreaterThan(128 * 20);
    const chunks: number[] = [];
    const r = await client.exec(code, { onStdout: (c) => chunks.push(c.length) });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(String(3 * ((119 * 120) / 2)));
    expect(lines[400]).toBe(`0399 ${'x'.repeat(40)}`);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(r.stdoutBytes.length);
    expect(uart.overruns).toEqual([]);
    expect(uart.execLog.at(-1)).toBe(code);
  });

  it('runs the watchdog call before anything else and feeds it again', async () => {
    const { uart, client } = await board(rawPaste);
    const r = await client.exec('import machine\nprint(machine.WDT.log)\n');
    expect(uart.execLog[0]).toContain('machine.WDT(timeout=600000)');
    expect(r.stdout.trim()).toBe("[('new', 600000), ('feed', 600000)]");
    await client.feedWatchdog();
    const again = await client.exec('import machine\nprint(machine.WDT.log[-1], len(machine.WDT.log))\n');
    expect(again.stdout.trim()).toBe("('feed', 600000) 3");
  });

  it('interrupts code that runs past its timeout, and the session goes on', async () => {
    const { client } = await board(rawPaste);
    expect(await codeOf(client.exec('import time\nwhile True:\n    time.sleep_ms(1)\n', { timeoutMs: 300 }))).toBe('E_REPL_TIMEOUT');
    expect((await client.exec('print(6 * 7)')).stdout).toBe('42\n');
  });

  it('caps the output of a script that prints forever, then interrupts it', async () => {
    const { client } = await board(rawPaste);
    expect(await codeOf(client.exec('while True:\n    print("spam" * 10)\n', { maxOutputBytes: 20_000 }))).toBe('E_REPL_OUTPUT_LIMIT');
    expect((await client.exec('print("still here")')).stdout).toBe('still here\n');
  });

  it('reports a reboot mid-exec with its cause, then resyncs and re-arms the watchdog', async () => {
    const reboots: string[] = [];
    const uart = await MicroPythonUart.start({ rawPaste });
    open.push(uart);
    const client = new RawReplClient(duplexLink(uart.stream), { onReboot: (i) => reboots.push(i.cause) });
    await client.exec('x = 1');
    uart.rebootWhen({ marker: 'half', resetLine: 'rst:0x8 (TG1WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)' });
    const err = await client.exec('print("half")\nimport time\nwhile True:\n    time.sleep_ms(1)\n', { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(isEsp32CamError(err, 'E_BOARD_REBOOTED')).toBe(true);
    expect((err as Error).message).toContain('TG1WDT_SYS_RESET');
    expect(reboots).toEqual(['TG1WDT_SYS_RESET']);
    const feedsBefore = uart.execLog.filter((c) => c.includes('machine.WDT(')).length;
    // A fresh board: the variable is gone, and the watchdog was set up again before this ran.
    const r = await client.exec('print("x" in globals())');
    expect(r.stdout).toBe('False\n');
    expect(uart.execLog.filter((c) => c.includes('machine.WDT(')).length).toBe(feedsBefore + 1);
  });

  it('soft-resets and stays in the raw REPL', async () => {
    const { client } = await board(rawPaste);
    await client.exec('print(1)');
    await client.softReset();
    expect(client.inRawRepl).toBe(true);
    expect((await client.exec('print(2)')).stdout).toBe('2\n');
    await client.exitRaw();
    expect(client.inRawRepl).toBe(false);
  });
});

/** The CLI against the whole simulated ESP32-CAM (`--port sim:esp32cam`): its files persist in the flash file between runs. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runCli, spawnCli, waitFor } from './cli-run.js';

describe('esp32cam push --run, cat and reset (built, spawned) with --port sim:esp32cam', () => {
  let work: string;
  let flash: string;
  const cli = (...args: string[]) => runCli([...args, '--port', 'sim:esp32cam', '--sim-flash-file', flash], work);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-sim-cli-'));
    flash = join(work, 'flash.bin');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pushes the bundled script, resets the board and confirms the banner and an I2C ping', async () => {
    const r = await cli('push', '--force', '--run');
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pushed 2 of 2 files: /m);
    expect(r.stdout).toMatch(
      /^reset the board \(hard reset through RTS\); the script started: esp32cam-slave\/1 \(MicroPython [\d.]+\): I2C 0x2C on SCL 12\/SDA 13 at 100000 Hz, QVGA q12/m,
    );
    expect(r.stdout).toMatch(/^I2C ping at 0x2c: answered in \d+ ms \(protocol v2, firmware esp32cam-slave\/1/m);
  });

  it('a changed setting takes effect: the script answers at the new I2C address after the reset, and the file persists', async () => {
    const r = await cli('push', '--set', 'I2C_ADDRESS=0x2d', '--run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^device-scripts\/camconfig\.py → \/camconfig\.py: /m);
    expect(r.stdout).toMatch(/^device-scripts\/main\.py → \/main\.py: skipped \(unchanged\)$/m);
    expect(r.stdout).toMatch(/the script started: .*: I2C 0x2D on/);
    expect(r.stdout).toMatch(/^I2C ping at 0x2d: answered/m);

    const cat = await cli('cat', '/camconfig.py');
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toMatch(/^I2C_ADDRESS = 0x2D\s+#/m);
  });

  it('reset --hard shows the ROM banner and the script starting again', async () => {
    const r = await cli('reset', '--hard');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/hard reset \(EN through RTS\)/);
    expect(r.stdout).toMatch(/rst:0x1 \(POWERON_RESET\)/);
    expect(r.stdout).toMatch(/esp32cam-slave\/1 .*I2C 0x2D/);
  });

  it('repl --stop stops the running slave script, then the terminal runs what it is sent and quits on Ctrl-]', async () => {
    const child = spawnCli(['repl', '--stop', '--port', 'sim:esp32cam', '--sim-flash-file', flash], work);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(
      () => /Ctrl-\] quits/.test(stderr),
      () => stderr,
    );
    expect(stderr).toMatch(/stopped the running script; the watchdog allows 10 minutes/);
    child.stdin.write('print(6*7)\n');
    await waitFor(
      () => /print\(6\*7\)\r\n42\r\n>>> /.test(stdout),
      () => stdout,
    );
    child.stdin.write(Buffer.from([0x1d]));
    expect(await exited).toBe(0);
  });

  it('reset --hard on a pseudo-terminal (no modem lines) uses machine.reset(), and the script starts again', async () => {
    const link = join(work, 'tty');
    const sim = spawnCli(['sim', '--serial-link', link, '--flash-file', flash], work);
    let simOut = '';
    sim.stdout.on('data', (d: Buffer) => (simOut += d.toString()));
    const simExited = new Promise<number | null>((resolve) => sim.on('close', resolve));
    try {
      await waitFor(
        () => /press Ctrl-C to stop/.test(simOut),
        () => simOut,
      );
      const r = await runCli(['reset', '--hard', '--port', link], work);
      expect(r.stderr).toMatch(/hard reset \(machine\.reset\(\)\)/);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/rst:0xc \(SW_CPU_RESET\)/);
      expect(r.stdout).toMatch(/esp32cam-slave\/1 .*I2C 0x2D/);
    } finally {
      sim.kill('SIGTERM');
      await simExited;
    }
  });

  it('a board in the ROM boot loop (erased flash) is E_NOT_MICROPYTHON, and its flash is left as it was', async () => {
    const erased = join(work, 'erased.bin');
    await writeFile(erased, Buffer.alloc(4 * 1024 * 1024, 0xff));
    const r = await runCli(['push', '--port', 'sim:esp32cam', '--sim-flash-file', erased], work);
    expect(errorLine(r)).toMatch(/^esp32cam: The board is not running MicroPython .*\(E_NOT_MICROPYTHON\)\. Flash MicroPython first/);
    expect(readFileSync(erased).every((b) => b === 0xff)).toBe(true);
  });
});

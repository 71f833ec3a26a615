import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runCli, spawnCli, startPtyBoard, waitFor, type PtyBoard } from './cli-run.js';

/** Every byte value, NULs and CR/LF included, in an order that is not periodic. */
const binary = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 167 + (i >> 5)) & 0xff));

describe('esp32cam push, ls, cat, get, rm, reset and repl (built, spawned) against the simulated board on a pty', () => {
  let board: PtyBoard;
  let work: string;
  const cli = (...args: string[]) => runCli([...args, '--port', board.path], work);

  beforeAll(async () => {
    board = await startPtyBoard();
    work = await mkdtemp(join(tmpdir(), 'esp32cam-device-cli-'));
  });
  afterAll(async () => {
    await board?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('pushes the bundled script with --set values, skips it when unchanged, and resends it with --force', async () => {
    const first = await cli('push', '--set', 'I2C_ADDRESS=0x2d', '--set', 'JPEG_QUALITY=20');
    expect(first.stderr).not.toMatch(/E_[A-Z]/);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^device-scripts\/camconfig\.py → \/camconfig\.py: .* on the wire \(deflated\), .* s, verified by SHA-256$/m);
    expect(first.stdout).toMatch(/^device-scripts\/main\.py → \/main\.py: /m);
    expect(first.stdout).toMatch(/^pushed 2 of 2 files: [\d.]+ KB, [\d.]+ KB on the wire \(0\.\d\dx the bytes sent\), [\d.]+ s$/m);

    const config = await cli('cat', 'camconfig.py');
    expect(config.code, config.stderr).toBe(0);
    expect(config.stdout).toMatch(/^I2C_ADDRESS = 0x2D\s+#/m);
    expect(config.stdout).toMatch(/^JPEG_QUALITY = 20\s+#/m);

    const again = await cli('push', '--set', 'I2C_ADDRESS=0x2d', '--set', 'JPEG_QUALITY=20');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/skipped \(unchanged\)$/gm)).toHaveLength(2);
    expect(again.stdout).toMatch(/^pushed 0 of 2 files, 2 skipped \(unchanged\): 0 B, /m);

    const forced = await cli('push', '--force', '--set', 'I2C_ADDRESS=0x2d', '--set', 'JPEG_QUALITY=20');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^pushed 2 of 2 files: /m);
  });

  it('refuses an unknown setting and a setting of the wrong type, sending nothing', async () => {
    const before = board.bytesFromHost();
    expect(errorLine(await cli('push', '--set', 'I2C_ADRESS=0x2d'))).toMatch(/--set: Unknown device setting "I2C_ADRESS" \(E_CONFIG\)/);
    expect(errorLine(await cli('push', '--set', 'SDA_PIN=thirteen'))).toMatch(/SDA_PIN must be an integer/);
    await writeFile(join(work, 'bad-config.json'), JSON.stringify({ device: { WDT_TIMEOUT_MS: true } }));
    expect(errorLine(await cli('push', '--config', join(work, 'bad-config.json')))).toMatch(
      /config file's "device" section: Device setting WDT_TIMEOUT_MS must be an integer/,
    );
    expect(board.bytesFromHost()).toBe(before);
  });

  it('takes settings from the config file\'s "device" section, --set winning over it', async () => {
    await writeFile(join(work, 'device-config.json'), JSON.stringify({ device: { JPEG_QUALITY: 30, FRAME_SIZE: 'VGA' } }));
    const r = await cli('push', '--config', join(work, 'device-config.json'), '--set', 'JPEG_QUALITY=25');
    expect(r.code, r.stderr).toBe(0);
    const config = (await cli('cat', '/camconfig.py')).stdout;
    expect(config).toMatch(/^JPEG_QUALITY = 25\s+#/m);
    expect(config).toMatch(/^FRAME_SIZE = 'VGA'\s+#/m);
    expect(errorLine(await cli('push', '--to', 'lib'))).toMatch(/--to applies to named files only \(E_BAD_INPUT\)/);
  });

  it('round-trips a binary file: push, ls, get, rm', async () => {
    const data = binary(5000);
    await writeFile(join(work, 'blob.bin'), data);
    const push = await cli('push', join(work, 'blob.bin'), '--to', 'data');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/blob\.bin → \/data\/blob\.bin: /);

    const ls = await cli('ls', '/data');
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toBe('5000  blob.bin\n');
    expect(ls.stderr).toMatch(/1 entry; .* free of /);
    const root = await cli('ls');
    expect(root.stdout).toMatch(/^\s+- {2}data\/$/m);
    expect(root.stdout).toMatch(/^\s*\d+ {2}main\.py$/m);

    const got = await cli('get', '/data/blob.bin', '-o', join(work, 'back.bin'));
    expect(got.code, got.stderr).toBe(0);
    expect(await readFile(join(work, 'back.bin'))).toEqual(data);
    const cat = await cli('cat', 'data/blob.bin');
    expect(cat.stdoutBytes).toEqual(data);

    const removed = await cli('rm', '/data/blob.bin');
    expect(removed.stdout).toBe('removed /data/blob.bin\n');
    expect((await cli('ls', '/data')).stdout).toBe('');

    const before = await readdir(work);
    expect(errorLine(await cli('get', '/data/blob.bin', '-o', join(work, 'gone.bin')))).toMatch(/There is no \/data\/blob\.bin on the board \(E_NOT_FOUND\)/);
    expect(existsSync(join(work, 'gone.bin'))).toBe(false);
    expect(await readdir(work)).toEqual(before);
  });

  it.each([
    ['a quote', "it's.py", /is not allowed: quotes and backslashes are not allowed \(E_BAD_INPUT\)/],
    ['an é', 'café.py', /is not allowed: only printable ASCII characters are allowed \(E_BAD_INPUT\)/],
  ])('refuses a file name with %s before anything is sent', async (_what, name, message) => {
    await writeFile(join(work, name), 'print(1)\n');
    const before = board.bytesFromHost();
    expect(errorLine(await cli('push', join(work, name)))).toMatch(message);
    expect(board.bytesFromHost()).toBe(before);
  });

  it('stops at a syntax error naming file:line, and refuses a binary .py, sending nothing', async () => {
    await writeFile(join(work, 'broken.py'), 'def f():\n    return 1\n\nx = [1, 2\ny = 3\n');
    await writeFile(join(work, 'firmware.py'), Buffer.from([0xe9, 0x03, 0x02, 0x20, 0x00, 0x00, 0xff, 0xfe]));
    const before = board.bytesFromHost();
    const syntax = errorLine(await cli('push', join(work, 'broken.py')));
    expect(syntax).toMatch(new RegExp(`^esp32cam: ${join(work, 'broken.py').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:[45]: .*\\(E_SCRIPT_SYNTAX\\)`));
    expect(errorLine(await cli('push', join(work, 'firmware.py')))).toMatch(/firmware\.py is not a text Python script .*\(E_BAD_INPUT\)/);
    expect(board.bytesFromHost()).toBe(before);
  });

  it('repl in pipe mode runs what it is sent, with Enter as \\r, and quits on Ctrl-]', async () => {
    const child = spawnCli(['repl', '--port', board.path], work);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(
      () => /Ctrl-\] quits/.test(stderr),
      () => stderr,
    );
    child.stdin.write('\x03');
    child.stdin.write('print(6*7)\n');
    await waitFor(
      () => /print\(6\*7\)\r\n42\r?\n/.test(stdout),
      () => stdout,
    );
    child.stdin.write(Buffer.from([0x1d]));
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/E_[A-Z]/);
  });

  it('reset --soft restarts MicroPython and shows what it printed', async () => {
    const reset = await cli('reset', '--soft');
    expect(reset.stderr).toMatch(/soft reset \(Ctrl-D at the REPL\)/);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/soft reboot/);
    // No chip reset: MicroPython restarted on the running chip.
    expect(reset.stdout).not.toMatch(/rst:0x/);
    expect(board.sim.info().resetCause).toBe('SOFT_RESET');
  });
});

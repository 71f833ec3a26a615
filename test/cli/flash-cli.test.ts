import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../host/src/paths.js';
import { mergedImage, micropythonImage } from '../flasher/image-builders.js';

const BIN = join(packageRoot(), 'bin', 'esp32cam.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('esp32cam flash (built, spawned) against the simulated board', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-flash-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("flashes micropython.org's single image at 0x1000 (offset auto) and shows the boot", async () => {
    const image = micropythonImage(0);
    await writeFile(join(dir, 'esp32.bin'), image);
    const flash = join(dir, 'flash-1.bin');
    const out = await run(['flash', join(dir, 'esp32.bin'), '--port', 'sim:esp32cam', '--sim-flash-file', flash, '--baud', '921600']);
    expect(out.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/at 0x1000 on ESP32-D0WDQ6.*MD5 verified/);
    expect(out.stdout).toMatch(/MicroPython/);
    const written = await readFile(flash);
    expect(written.subarray(0x1000, 0x1000 + image.length).equals(Buffer.from(image))).toBe(true);
    expect(written.subarray(0, 0x1000).every((b) => b === 0xff)).toBe(true);
  });

  it.each([
    ['an ESP32-S3 image', () => mergedImage(9, 0x8000).subarray(0x1000), 'E_WRONG_CHIP'],
    ['a text file', () => new TextEncoder().encode('hello\n'.repeat(200)), 'E_BAD_IMAGE'],
  ])('refuses %s in one line, and writes nothing', async (_name, make, code) => {
    await writeFile(join(dir, 'bad.bin'), make());
    const flash = join(dir, `flash-${code}.bin`);
    // The simulated board's flash as it comes from the factory: written once by a command that only reads.
    expect((await run(['ls', '--port', 'sim:esp32cam', '--sim-flash-file', flash])).code).toBe(0);
    const before = await readFile(flash);
    const out = await run(['flash', join(dir, 'bad.bin'), '--port', 'sim:esp32cam', '--sim-flash-file', flash]);
    expect(out.code).toBe(1);
    const errorLines = out.stderr.split('\n').filter((l) => l.startsWith('esp32cam: ') && l.includes(`(${code})`));
    expect(errorLines).toHaveLength(1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect((await readFile(flash)).equals(before)).toBe(true);
  });

  it('explains a missing file and a bad offset', async () => {
    const missing = await run(['flash', join(dir, 'nope.bin'), '--port', 'sim:esp32cam']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no file .*nope\.bin \(E_BAD_INPUT\)/);
    await writeFile(join(dir, 'ok.bin'), micropythonImage(0));
    const offset = await run(['flash', join(dir, 'ok.bin'), '--port', 'sim:esp32cam', '--offset', 'banana']);
    expect(offset.stderr).toMatch(/--offset banana is not an address \(E_BAD_INPUT\)/);
  });
});

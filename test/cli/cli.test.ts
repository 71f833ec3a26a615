import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'esp32cam.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, without whatever config the developer's shell points at. */
function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.ESP32CAM_CONFIG;
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectOneErrorLine(result: Run, code: string): string {
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^esp32cam: .+ \\(${code}\\)\\. .+`));
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

describe('esp32cam CLI (built, spawned)', () => {
  let work: string;

  beforeAll(() => {
    // test/global-setup.ts built dist/ before any test file ran.
    expect(existsSync(join(root, 'dist', 'host', 'src', 'cli', 'main.js'))).toBe(true);
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-cli-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pings the simulated camera', async () => {
    const result = await run(['ping', '--camera', 'sim'], work);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^camera sim answered in [\d.]+ (ms|s) \(protocol (v2|legacy)/);
  });

  it('captures a photo to a file, atomically, with one summary line when not on a terminal', async () => {
    const result = await run(['capture', '-o', 'shot.jpg', '--camera', 'sim'], work);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^saved shot\.jpg: [\d.]+ KB, \d+x\d+, /);
    const meta = await sharp(join(work, 'shot.jpg')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(result.stdout).toContain(`${meta.width}x${meta.height}`);
    expect((await readdir(work)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('turns the flash LED on', async () => {
    const result = await run(['flash-led', 'on', '--camera', 'sim'], work);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('flash LED of camera sim is on\n');
  });

  it('explains a missing I2C bus in one line that mentions raspi-config', async () => {
    if (existsSync('/dev/i2c-9')) return;
    const line = expectOneErrorLine(await run(['ping', '--camera', 'i2c:9@0x2c'], work), 'E_NO_I2C_DEVICE');
    expect(line).toContain('/dev/i2c-9');
    expect(line).toContain('raspi-config');
  });

  it('rejects a camera that is not a camera spec as a config error', async () => {
    const line = expectOneErrorLine(await run(['capture', '--camera', 'nonsense', '-o', 'x.jpg'], work), 'E_CONFIG');
    expect(line).toContain('"nonsense" is not a camera');
    expect(line).toContain('i2c:1@0x2c');
    expect(existsSync(join(work, 'x.jpg'))).toBe(false);
  });

  it('reports a missing, malformed or misspelt config file in one line', async () => {
    expect(expectOneErrorLine(await run(['ping', '--config', 'missing.json'], work), 'E_CONFIG')).toContain('does not exist');
    await writeFile(join(work, 'broken.json'), '{"camera": "sim",}');
    expect(expectOneErrorLine(await run(['ping', '--config', 'broken.json'], work), 'E_CONFIG')).toContain('not valid JSON');
    await writeFile(join(work, 'typo.json'), JSON.stringify({ camera: 'sim', retention: { maxPhoto: 3 } }));
    const line = expectOneErrorLine(await run(['ping', '--config', 'typo.json'], work), 'E_CONFIG');
    expect(line).toContain('unknown key "retention.maxPhoto"');
    expect(line).toContain('Did you mean "maxPhotos"');
  });

  it('refuses to capture into a folder that does not exist, before touching the camera', async () => {
    const line = expectOneErrorLine(await run(['capture', '--camera', 'sim', '-o', 'no/such/dir/p.jpg'], work), 'E_STORE_IO');
    expect(line).toContain('does not exist');
  });

  it('leaves usage errors to commander', async () => {
    const result = await run(['flash-led', 'maybe', '--camera', 'sim'], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: command-argument value 'maybe' is invalid/);
  });

  it('serves, prints the URL and the camera, answers HTTP, and stops on SIGTERM', async () => {
    const env = { ...process.env };
    delete env.ESP32CAM_CONFIG;
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--camera', 'sim', '--data-dir', join(work, 'data')], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const serving = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /serving (http:\/\/\S+)\n[\s\S]*camera "cam" sim \(simulated ESP32-CAM[^;\n]*; online/.exec(stdout);
        if (m) resolve(m[1]);
      });
      exited.then(() => reject(new Error(`serve exited early: ${stdout}${stderr}`)));
    });
    const status = await (await fetch(`${serving}/api/status`)).json();
    expect(status.camera.spec).toBe('sim');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // stderr is not a terminal here: JSON lines for journald, at info and below, with nothing to warn about.
    const lines = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; ns: string; msg: string });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ ns: 'camera', msg: expect.stringMatching(/camera "cam" \(sim\) is online/) }));
  });

  it('logs a capture at trace level: every I2C message in hex with its timing, as JSON lines', async () => {
    const result = await run(['capture', '--camera', 'sim', '-o', 'traced.jpg', '--log-level', 'warn,i2c=trace'], work);
    expect(result.code).toBe(0);
    const lines = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; ns: string; msg: string });
    // The bus clock is announced once, at info; every other i2c line is a message on the bus, at trace.
    const clock = lines.filter((l) => l.ns === 'i2c' && / runs at \d+ Hz /.test(l.msg));
    expect(clock).toEqual([expect.objectContaining({ level: 30, msg: expect.stringMatching(/^sim:1 runs at 100000 Hz \(sim\.busHz\)/) })]);
    const i2c = lines.filter((l) => l.ns === 'i2c' && !clock.includes(l));
    expect(i2c.length).toBeGreaterThan(3);
    expect(i2c.every((l) => l.level === 10)).toBe(true);
    // A write of a command and a read of its reply, each with the bus, address, size, time and bytes.
    expect(i2c.some((l) => /^sim:1 0x2c W \d+ B \d+\.\d\d ms( [0-9a-f]{2})+/.test(l.msg))).toBe(true);
    expect(i2c.some((l) => /^sim:1 0x2c R \d+ B \d+\.\d\d ms ff d8/.test(l.msg) || /^sim:1 0x2c R /.test(l.msg))).toBe(true);
    expect(lines.filter((l) => l.ns !== 'i2c')).toEqual([]);
    const bad = await run(['ping', '--camera', 'sim', '--log-level', 'i2c=loud'], work);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"loud" is not a level/);
  });
});

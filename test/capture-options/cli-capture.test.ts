/**
 * `esp32cam capture --flash [MODE] --no-fresh --frame-size NAME`, run from the built CLI (test/global-setup.ts
 * builds it) as a user would: directly on a simulated board the CLI boots itself, and through a running service.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { errorLine, runCli } from '../cli-device/cli-run.js';
import { sleep } from '../sim/helpers.js';
import { exposure, FIELD_SCRIPT, flashLedChanges, type PinChange } from './helpers.js';

async function size(path: string): Promise<[number, number]> {
  const meta = await sharp(await readFile(path)).metadata();
  return [meta.width!, meta.height!];
}

describe('esp32cam capture, directly on a simulated board', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-cli-capture-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('--flash --frame-size VGA: a VGA photo lit by the LED from 150 ms before, and VGA kept with the settings', async () => {
    const run = await runCli(['capture', '--camera', 'sim', '--data-dir', 'data', '--flash', '--frame-size', 'VGA', '-o', 'lit.jpg'], work);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^saved lit\.jpg: .*, 640x480, .*, flash, protocol v2, camera sim\n$/);
    expect(await size(join(work, 'lit.jpg'))).toEqual([640, 480]);
    const { exposedAt, flashOnAt } = exposure(await readFile(join(work, 'lit.jpg')));
    expect(exposedAt.getTime() - flashOnAt!.getTime()).toBeGreaterThanOrEqual(150);
    const kept = JSON.parse(await readFile(join(work, 'data', 'settings', 'cam.json'), 'utf8')) as { wanted: { framesize: number } };
    expect(kept.wanted.framesize).toBe(8);
  });

  it("--flash off and no --frame-size: an unlit photo at the board's own size, and no settings file made", async () => {
    const run = await runCli(['capture', '--camera', 'sim', '--data-dir', 'other', '--flash', 'off', '-o', 'plain.jpg'], work);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/flash/);
    expect(await size(join(work, 'plain.jpg'))).toEqual([320, 240]);
    expect(exposure(await readFile(join(work, 'plain.jpg'))).flashOnAt).toBeUndefined();
    await expect(readFile(join(work, 'other', 'settings', 'cam.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lights a legacy board from the host, and refuses --frame-size there with the push hint', async () => {
    const lit = await runCli(['capture', '--camera', 'sim', '--sim-script', FIELD_SCRIPT, '--data-dir', 'data', '--flash', '-o', 'old.jpg'], work);
    expect(lit.stderr).toBe('');
    expect(lit.stdout).toMatch(/, flash, protocol legacy, camera sim\n$/);
    const { exposedAt, flashOnAt } = exposure(await readFile(join(work, 'old.jpg')));
    expect(exposedAt.getTime() - flashOnAt!.getTime()).toBeGreaterThanOrEqual(150);

    const refused = await runCli(
      ['capture', '--camera', 'sim', '--sim-script', FIELD_SCRIPT, '--data-dir', 'data', '--frame-size', 'VGA', '-o', 'no.jpg'],
      work,
    );
    const line = errorLine(refused);
    expect(line).toMatch(/cannot take --frame-size VGA/);
    expect(line).toMatch(/\(E_UNSUPPORTED\)/);
    expect(line).toMatch(/esp32cam push/);
    expect(line).toMatch(/without --frame-size/);
  });

  it.each([
    [['--flash', 'blink'], /--flash takes on, off or auto, not "blink" \(E_BAD_INPUT\)\. Write --flash/],
    [['--frame-size', 'HUGE'], /--frame-size "HUGE" is not a frame size \(E_BAD_INPUT\)\. Use one of 96X96 .*VGA \(640x480\).*UXGA/],
  ])('refuses %j before opening a camera', async (args, message) => {
    const run = await runCli(['capture', '--camera', 'sim', ...args, '-o', 'never.jpg'], work);
    expect(errorLine(run)).toMatch(message);
    await expect(readFile(join(work, 'never.jpg'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('esp32cam capture through a running service', () => {
  let server: RunningServer;
  let work: string;
  let dataDir: string;
  let led: PinChange[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-cli-capture-svc-'));
    dataDir = join(work, 'data');
    server = await startServer({ port: 0, dataDir, cameras: [{ name: 'cam', camera: 'sim' }] }, { healthIntervalMs: 0, log: () => undefined });
    led = flashLedChanges(server.sim!);
  });
  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("--flash --frame-size VGA: the service's board lights the photo, and its settings want VGA", async () => {
    const run = await runCli(['capture', '--data-dir', dataDir, '--flash', '--frame-size', 'vga', '-o', 'svc.jpg'], work);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/, 640x480, .*, flash, protocol v2, camera sim, through the service at /);
    expect(led.map((c) => c.value)).toEqual([1, 0]);
    expect(exposure(await readFile(join(work, 'svc.jpg'))).flashOnAt).toBeInstanceOf(Date);
    expect(server.services.settings.get('cam').wanted.framesize).toBe(8);
  });

  it('--no-fresh: the frame the camera held through a pause', async () => {
    await runCli(['capture', '--data-dir', dataDir, '-o', 'first.jpg'], work);
    await sleep(1500); // the pause is what is under test: the held frame ages meanwhile
    const asked = Date.now();
    const run = await runCli(['capture', '--data-dir', dataDir, '--no-fresh', '-o', 'held.jpg'], work);
    expect(run.code).toBe(0);
    expect(exposure(await readFile(join(work, 'held.jpg'))).exposedAt.getTime()).toBeLessThan(asked - 1000);
  });
});

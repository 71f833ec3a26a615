/**
 * The CLI and a running service on one data folder: the service owns the cameras' bus, so `esp32cam
 * capture`, `ping` and `flash-led` go through its HTTP API (found through data/service.json), token and all.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../host/src/app/index.js';
import { runCli } from '../cli-device/cli-run.js';
import { startCliService, type CliService } from '../cli-device/cli-service.js';

describe('the CLI while a service runs the cameras', () => {
  let svc: CliService;
  let server: RunningServer;
  let dataDir: string;
  let work: string;
  const frames = new Map<string, string[]>();

  beforeAll(async () => {
    svc = await startCliService('esp32cam-cli-svc-', {
      cameras: [
        { name: 'front', camera: 'sim' },
        { name: 'back', camera: 'sim@0x2d' },
      ],
    });
    ({ server, work, dataDir } = svc);
    for (const [name, board] of server.hardware.boards) {
      frames.set(name, []);
      board.on('frame', (f: { sha256: string }) => frames.get(name)!.push(f.sha256));
    }
  });

  afterAll(() => svc?.close());

  it('writes service.json with its pid, a local URL and its cameras, and no token', async () => {
    const info = JSON.parse(await readFile(join(dataDir, 'service.json'), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({
      pid: process.pid,
      url: server.url,
      cameras: [
        { name: 'front', camera: 'sim' },
        { name: 'back', camera: 'sim@0x2d' },
      ],
    });
    expect(JSON.stringify(info)).not.toContain(server.token!);
  });

  it("captures through the service: the photo is the frame the service's board took", async () => {
    const before = frames.get('back')!.length;
    const run = await runCli(['capture', '--data-dir', dataDir, '--camera', 'back', '-o', 'back.jpg'], work);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`camera sim@0x2d, through the service at ${server.url.replace(/[.]/g, '\\.')}`));
    const jpeg = await readFile(join(work, 'back.jpg'));
    // Two frames: a still is fresh, so the frame the camera held is thrown away first.
    expect(frames.get('back')).toHaveLength(before + 2);
    expect(frames.get('back')!.at(-1)).toBe(createHash('sha256').update(jpeg).digest('hex'));
    // The camera can also be named by its spec; the service's name for it is used.
    const bySpec = await runCli(['ping', '--data-dir', dataDir, '--camera', 'sim@0x2d'], work);
    expect(bySpec.stdout).toMatch(/answered in .* through the service at/);
  });

  it('pings and switches the LED through the service, the first camera by default', async () => {
    const ping = await runCli(['ping', '--data-dir', dataDir], work);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(/^camera sim answered in .*through the service at /);
    const led = await runCli(['flash-led', 'on', '--data-dir', dataDir, '--camera', 'front'], work);
    expect(led.stdout).toMatch(/flash LED of camera sim is on \(through the service at /);
    expect(server.hardware.boards.get('front')!.info().flashLed).toBe(true);
    // The service's errors come back as the CLI's own one-line errors.
    const missing = await runCli(['flash-led', 'on', '--data-dir', dataDir, '--camera', 'porch'], work);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/"porch" is not a camera/);
  });

  it('goes to the camera itself once the service has stopped', async () => {
    await server.close();
    expect(existsSync(join(dataDir, 'service.json'))).toBe(false);
    const run = await runCli(['ping', '--data-dir', dataDir, '--camera', 'sim'], work);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/through the service/);
  });
});

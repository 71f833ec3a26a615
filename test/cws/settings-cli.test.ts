import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../host/src/app/index.js';
import { errorLine, runCli } from '../cli-device/cli-run.js';
import { cliWork, startCliService, type CliService, type CliWork } from '../cli-device/cli-service.js';
import { until } from '../helpers/until.js';

/**
 * `esp32cam settings` run as a user runs it (the built CLI, test/global-setup.ts built it), against
 * simulated boards running real scripts: directly when no service runs, through the service when one does.
 */
const root = join(import.meta.dirname, '..', '..');
const LEGACY = join(root, 'test', 'fixtures', 'legacy_slave.py');

/** The row of one setting in the table: name, wanted, applied. */
const row = (stdout: string, name: string): string[] =>
  stdout
    .split('\n')
    .find((l) => l.trim().startsWith(`${name} `))!
    .trim()
    .split(/\s{2,}/);

beforeAll(() => {
  expect(existsSync(join(root, 'dist', 'host', 'src', 'cli', 'main.js'))).toBe(true);
});

describe('esp32cam settings, directly to the board', () => {
  let dir: CliWork;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = await cliWork('esp32cam-settings-cli-');
    ({ work, dataDir } = dir);
  });

  afterAll(() => dir?.remove());

  it('prints what the board holds, asked of the board, and the flash mode', async () => {
    const run = await runCli(['settings', '--camera', 'sim', '--data-dir', dataDir], work);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^camera cam \(sim\), directly\n/);
    expect(row(run.stdout, 'framesize')).toEqual(['framesize', '-', 'QVGA (5)']);
    expect(row(run.stdout, 'quality')).toEqual(['quality', '-', '12']);
    expect(row(run.stdout, 'flip')).toEqual(['flip', '-', 'off (0)']);
    expect(row(run.stdout, 'whitebalance')).toEqual(['whitebalance', '-', 'auto (0)']);
    expect(run.stdout).toContain('flash: off');
  });

  it('applies NAME=VALUE pairs by the project names, keeps them in the data folder for the service, and shows them applied', async () => {
    const run = await runCli(
      ['settings', '--camera', 'sim', '--data-dir', dataDir, 'framesize=VGA', 'flip=on', 'speffect=sepia', 'whitebalance=2', 'quality=20', 'flash=auto'],
      work,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^camera cam \(sim\), directly: changed\n/);
    expect(row(run.stdout, 'framesize')).toEqual(['framesize', 'VGA (8)', 'VGA (8)']);
    expect(row(run.stdout, 'flip')).toEqual(['flip', 'on (1)', 'on (1)']);
    expect(row(run.stdout, 'speffect')).toEqual(['speffect', 'sepia (6)', 'sepia (6)']);
    expect(row(run.stdout, 'whitebalance')).toEqual(['whitebalance', 'cloudy (2)', 'cloudy (2)']);
    expect(run.stdout).toContain('flash: auto');
    const kept = JSON.parse(await readFile(join(dataDir, 'settings', 'cam.json'), 'utf8')) as Record<string, unknown>;
    expect(kept).toMatchObject({ wanted: { framesize: 8, vflip: 1, special_effect: 6, wb_mode: 2, quality: 20 }, flash: 'auto', supported: true });
  });

  it('--json prints the settings as the API gives them; a board that has just booted does not hold what is wanted, and says so', async () => {
    const json = await runCli(['settings', '--camera', 'sim', '--data-dir', dataDir, '--json'], work);
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(view).sort()).toEqual(['applied', 'appliedAt', 'camera', 'flash', 'lastError', 'supported', 'wanted']);
    // This run booted a new simulated board: it holds the script's own settings until they are applied again.
    expect(view).toMatchObject({ camera: 'cam', wanted: { framesize: 8 }, applied: { framesize: 5 }, flash: 'auto', supported: true });
    expect(Date.parse(view.appliedAt as string)).toBeGreaterThan(0);
    const text = await runCli(['settings', '--camera', 'sim', '--data-dir', dataDir], work);
    expect(text.stdout).toContain('the board does not hold what is wanted');
  });

  it.each([
    ['a value out of range', ['quality=5'], ['"quality=5"', 'quality takes a whole number from 10 to 63']],
    ['an unknown setting', ['zoom=2'], ['there is no setting "zoom"', 'framesize 0..13', 'flash=off|on|auto']],
    ['a name without a value', ['framesize'], ['"framesize" is not NAME=VALUE', 'framesize=VGA']],
    ['an unknown frame size', ['framesize=HUGE'], ['"framesize=HUGE"', 'a name such as VGA']],
    ['a flash mode that is none', ['flash=sometimes'], ['the flash mode "sometimes" is not one', 'flash=off, flash=on, flash=auto']],
    ['a bad pair after a good one', ['quality=20', 'mirror=2'], ['"mirror=2"', 'mirror takes a whole number from 0 to 1 or off, on']],
  ])('%s: one error line naming the pair and the fix, and nothing is changed', async (_name, pairs, parts) => {
    const before = await readFile(join(dataDir, 'settings', 'cam.json'), 'utf8');
    const run = await runCli(['settings', '--camera', 'sim', '--data-dir', dataDir, ...pairs], work);
    const line = errorLine(run);
    expect(line).toContain('(E_BAD_INPUT)');
    for (const part of parts) expect(line).toContain(part);
    expect(await readFile(join(dataDir, 'settings', 'cam.json'), 'utf8')).toBe(before);
  });

  it('a legacy board: shows that its script takes no settings, refuses a change with the push hint, and takes the flash mode', async () => {
    const legacy = ['--camera', 'sim', '--sim-script', LEGACY, '--data-dir', join(work, 'legacy')];
    const view = await runCli(['settings', ...legacy], work);
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("its script cannot take settings: push the project's slave script (esp32cam push)");

    const refused = await runCli(['settings', ...legacy, 'framesize=VGA'], work);
    const line = errorLine(refused);
    expect(line).toContain('(E_UNSUPPORTED)');
    expect(line).toContain('esp32cam push');

    const flash = await runCli(['settings', ...legacy, 'flash=on'], work);
    expect(flash.stderr).toBe('');
    expect(flash.code).toBe(0);
    expect(flash.stdout).toContain('flash: on');
  });
});

describe('esp32cam settings while a service runs the cameras', () => {
  let svc: CliService;
  let server: RunningServer;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    svc = await startCliService('esp32cam-settings-cli-svc-', {
      cameras: [
        { name: 'front', camera: 'sim' },
        { name: 'old', camera: 'sim:2', sim: { script: LEGACY } },
      ],
    });
    ({ server, work, dataDir } = svc);
    // A first photo makes the camera "reached", which has the service apply the wanted settings again. Done
    // now, while none are wanted, that cannot happen in the middle of a test below.
    const res = await fetch(`${server.url}/capture?camera=front`, { headers: { authorization: `Bearer ${server.token!}` } });
    expect(res.status).toBe(200);
    const front = server.services.health.list().find((m) => m.name === 'front')!;
    await until(() => (front.report().state === 'online' ? true : undefined), 'camera front online');
  });

  afterAll(() => svc?.close());

  it("changes the service's camera through its API: the service keeps the settings and its photos come out at the new size", async () => {
    const run = await runCli(['settings', '--data-dir', dataDir, 'framesize=VGA', 'mirror=1', 'flash=on'], work);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^camera front \\(sim\\), through the service at ${server.url.replace(/[.]/g, '\\.')}: changed`));
    expect(server.services.settings.get('front')).toMatchObject({ wanted: { framesize: 8, hmirror: 1 }, applied: { framesize: 8, hmirror: 1 }, flash: 'on' });

    let jpeg = Buffer.alloc(0);
    // The camera hands back the frame it held first; the second is taken after the change.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/capture?camera=front`, { headers: { authorization: `Bearer ${server.token!}` } });
      expect(res.status).toBe(200);
      jpeg = Buffer.from(await res.arrayBuffer());
    }
    const meta = await sharp(jpeg).metadata();
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 640, height: 480 });
  });

  it('--json prints what the service answers for GET /api/cameras/:name/settings', async () => {
    const run = await runCli(['settings', '--data-dir', dataDir, '--camera', 'front', '--json'], work);
    expect(run.code).toBe(0);
    const api = await fetch(`${server.url}/api/cameras/front/settings`, { headers: { authorization: `Bearer ${server.token!}` } });
    expect(JSON.parse(run.stdout)).toEqual(await api.json());
  });

  it("the service's legacy camera refuses settings with the push hint and takes the flash mode", async () => {
    const refused = await runCli(['settings', '--data-dir', dataDir, '--camera', 'old', 'quality=20'], work);
    const line = errorLine(refused);
    expect(line).toContain('(E_UNSUPPORTED)');
    expect(line).toContain('esp32cam push');
    expect(server.services.settings.get('old').wanted).toEqual({});

    const flash = await runCli(['settings', '--data-dir', dataDir, '--camera', 'old', 'flash=auto'], work);
    expect(flash.code).toBe(0);
    expect(server.services.settings.get('old').flash).toBe('auto');
  });
});

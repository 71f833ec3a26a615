/**
 * `esp32cam health` and `esp32cam sim-fault` against a running service (the built CLI, found through
 * data/service.json with the service's token), and their errors.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../host/src/app/index.js';
import { runCli } from '../cli-device/cli-run.js';
import { startCliService, type CliService } from '../cli-device/cli-service.js';
import { QUICK_HEALTH } from './helpers.js';

describe('the health and sim-fault commands', () => {
  let svc: CliService;
  let server: RunningServer;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    svc = await startCliService(
      'esp32cam-cli-health-',
      {
        cameras: [
          { name: 'front', camera: 'sim' },
          { name: 'back', camera: 'sim@0x2d' },
        ],
        health: QUICK_HEALTH,
      },
      { log: () => undefined },
    );
    ({ server, work, dataDir } = svc);
  });

  afterAll(() => svc?.close());

  it('prints every camera’s state, boot count and events, and the same as JSON', async () => {
    const text = await runCli(['health', '--data-dir', dataDir], work);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^front: ONLINE\n {2}last seen .*, boot \d+, reset cause PWRON_RESET, protocol v2, .*keep-alive every 0 s/m);
    expect(text.stdout).toMatch(/^back: ONLINE$/m);
    expect(text.stdout).toMatch(/unknown → online: the camera answered/);
    const json = await runCli(['health', '--data-dir', dataDir, '--json'], work);
    const report = JSON.parse(json.stdout) as { state: string; cameras: Array<{ name: string; state: string; bootCount: number }> };
    expect(report.state).toBe('online');
    expect(report.cameras.map((c) => [c.name, c.state])).toEqual([
      ['front', 'online'],
      ['back', 'online'],
    ]);
  });

  it('injects a fault the monitor then reports, and names the problem and the fix for a bad one', async () => {
    const board = server.hardware.boards.get('back')!;
    const rebooted = new Promise<{ cause: string }>((resolve) => board.once('reboot', resolve));
    const run = await runCli(['sim-fault', 'back', 'reboot', 'panic', '--data-dir', dataDir], work);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^camera back: reboot: the chip resets now/);
    expect((await rebooted).cause).toBe('HARD_RESET');
    await expect
      .poll(async () => JSON.parse((await runCli(['health', '--camera', 'back', '--json', '--data-dir', dataDir], work)).stdout).events.at(-1), {
        timeout: 30_000,
      })
      .toBeDefined();
    const back = server.services.health.get('back');
    await expect.poll(() => back.report().counters.reboots, { timeout: 30_000 }).toMatchObject({ PANIC: 1 });

    const bad = await runCli(['sim-fault', 'back', 'melt', '--data-dir', dataDir], work);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_BAD_INPUT/);
    expect(bad.stderr).toMatch(/reboot.*hang.*brownout/);
    const nan = await runCli(['sim-fault', 'back', 'hang', 'seconds=soon', '--data-dir', dataDir], work);
    expect(nan.stderr).toMatch(/seconds=soon is not a whole number.*seconds=20/);
  });

  it('says how to start a service when none runs on the data folder', async () => {
    const none = await runCli(['health', '--data-dir', join(work, 'elsewhere')], work);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No esp32cam service runs on the data folder .*elsewhere.*esp32cam serve/);
  });
});

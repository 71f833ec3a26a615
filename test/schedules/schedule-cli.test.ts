/** `esp32cam schedule list|add|rm` against a running service (the built CLI, with the service's token). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runCli } from '../cli-device/cli-run.js';
import { cliWork, type CliWork } from '../cli-device/cli-service.js';
import { startRig, type Rig } from './helpers.js';

describe('the schedule command', () => {
  let dir: CliWork;
  let rig: Rig;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = await cliWork('esp32cam-cli-schedule-');
    ({ work, dataDir } = dir);
    rig = await startRig({ dataDir, config: { auth: { mode: 'token' } } });
  });

  afterAll(async () => {
    await rig?.server.close();
    await dir?.remove();
  });

  it('adds, lists and deletes a schedule through the service', async () => {
    const added = await runCli(
      ['schedule', 'add', 'cam', '--every', '60', '--label', 'Front door', '--max-bytes', '200MB', '--flash', 'auto', '--data-dir', dataDir],
      work,
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^added front-door \(camera cam\) "Front door": every 60 s\n {2}next 2031-01-02T12:01:00.000Z, last -; taken 0, missed 0, failed 0\n/,
    );
    expect(rig.server.services.schedules.get('cam', 'front-door')).toMatchObject({ every: 60, flash: 'auto', retention: { maxBytes: 200 * 1024 * 1024 } });

    const cron = await runCli(
      ['schedule', 'add', 'cam', '--cron', '0 */10 * * * *', '--id', 'ten', '--disabled', '--max-photos', '50', '--data-dir', dataDir],
      work,
    );
    expect(cron.code).toBe(0);
    const list = await runCli(['schedule', 'list', '--data-dir', dataDir], work);
    expect(list.stdout).toMatch(/^ten \(camera cam\): cron "0 \*\/10 \* \* \* \*", DISABLED$/m);
    expect(list.stdout).toMatch(/keeps 0 photo\(s\), 0 bytes \(at most 50 photos\)/);
    const json = JSON.parse((await runCli(['schedule', 'list', '--camera', 'cam', '--json', '--data-dir', dataDir], work)).stdout) as Array<{ id: string }>;
    expect(json.map((s) => s.id)).toEqual(['front-door', 'ten']);

    const removed = await runCli(['schedule', 'rm', 'cam', 'ten', '--data-dir', dataDir], work);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/deleted schedule ten of camera cam; its photos stay/);
    expect(rig.server.services.schedules.list().map((s) => s.id)).toEqual(['front-door']);
  });

  it("prints the service's reason for bad input as one line, and adds nothing", async () => {
    const run = await runCli(['schedule', 'add', 'cam', '--every', '2', '--data-dir', dataDir], work);
    expect(errorLine(run)).toMatch(/^esp32cam: every: 2 s is below the minimum of 5 s \(E_BAD_INPUT\)\. Give every as whole seconds from 5/);
    const cron = await runCli(['schedule', 'add', 'cam', '--cron', '61 * * * *', '--data-dir', dataDir], work);
    expect(errorLine(cron)).toMatch(/Invalid value for minute: 61 \(E_BAD_INPUT\)/);
    const gone = await runCli(['schedule', 'rm', 'cam', 'nothing', '--data-dir', dataDir], work);
    expect(errorLine(gone)).toMatch(/Camera "cam" has no schedule "nothing" \(E_NOT_FOUND\)/);
    expect(rig.server.services.schedules.list().map((s) => s.id)).toEqual(['front-door']);
  });
});

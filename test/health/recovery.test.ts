import { afterEach, describe, expect, it } from 'vitest';
import { QUICK_HEALTH, startHealthRig, type CameraEvent, type HealthRig } from './helpers.js';

/**
 * Each case drives a real simulated board (MicroPython running device-scripts/main.py) through a fault, and
 * asserts what the service's health monitor saw, said and did about it, end to end through the real service.
 */
let rig: HealthRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Events after the first `mark` ones: what followed an injected fault. */
const after = (r: HealthRig, mark: number) => (match: (e: CameraEvent) => boolean) => (e: CameraEvent) => r.events.indexOf(e) >= mark && match(e);

describe('the health monitor with a simulated board', () => {
  it('sees a watchdog reboot: the boot count rises, the cause is the watchdog, with its hint', async () => {
    rig = await startHealthRig();
    const r = rig;
    const before = await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount !== null, 'online with a boot count');
    const mark = r.events.length;
    await r.fault({ kind: 'reboot', cause: 'watchdog' });
    const reboot = await r.waitFor(
      after(r, mark)((e) => e.type === 'reboot'),
      'the reboot event',
    );
    expect(reboot).toMatchObject({ resetCause: 'WDT_RESET', hint: expect.stringMatching(/watchdog/) });
    const now = await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount === before.bootCount! + 1, 'online again, one boot later');
    expect(now.counters.reboots).toMatchObject({ WDT_RESET: 1 });
    // The boot log, heard on the free serial port, named the fault as well.
    await r.waitFor(
      after(r, mark)((e) => e.type === 'diagnosis' && e.fault === 'task-watchdog'),
      'the task watchdog diagnosis',
    );
  });

  it('names a brownout loop from the boot log, with the supply hint, and sees the board settle', async () => {
    rig = await startHealthRig();
    const r = rig;
    const before = await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount !== null, 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'brownout', count: 2 });
    const diagnosis = await r.waitFor(
      after(r, mark)((e) => e.type === 'diagnosis' && e.fault === 'brownout'),
      'the brownout diagnosis',
    );
    expect(diagnosis.hint).toMatch(/5 V supply/);
    // The loop ends after two brownouts; the board is up again two boots or more later.
    await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount! >= before.bootCount! + 2, 'online after the loop');
    const reboot = await r.waitFor(
      after(r, mark)((e) => e.type === 'reboot'),
      'a reboot event',
    );
    expect(reboot).toMatchObject({ resetCause: 'BROWNOUT_RESET', hint: expect.stringMatching(/supply voltage dropped/) });
    // A loop prints the same line at every boot: it is one event, not one per boot.
    expect(r.events.filter(after(r, mark)((e) => e.type === 'diagnosis' && e.fault === 'brownout'))).toHaveLength(1);
  });

  it('reports a camera that fails to initialise after a reboot as degraded, with the ribbon-cable hint', async () => {
    rig = await startHealthRig();
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online', 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'camera-init', count: 1 });
    const degraded = await r.waitFor(
      after(r, mark)((e) => e.type === 'state' && e.to === 'degraded' && /did not initialise/.test(e.reason)),
      'degraded',
    );
    expect(degraded.hint).toMatch(/ribbon cable/);
    const rep = r.report();
    expect(rep.cameraOk).toBe(false);
    await r.waitFor(
      after(r, mark)((e) => e.type === 'diagnosis' && e.fault === 'camera-probe'),
      'the probe failure from the boot log',
    );
  });

  it('marks a slave that stops answering offline, and online again when it answers, without a reset', async () => {
    rig = await startHealthRig({ ...QUICK_HEALTH, recovery: { ...QUICK_HEALTH.recovery, retries: 50, backoffMs: 300, maxBackoffMs: 300 } });
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online', 'online');
    const mark = r.events.length;
    // A STATUS that gets no answer fails after its tries (about 3 s), so three failed checks take about 10 s.
    await r.fault({ kind: 'hang', seconds: 15 });
    const offline = await r.waitFor(
      after(r, mark)((e) => e.type === 'state' && e.to === 'offline'),
      'offline',
    );
    expect(offline.hint).toMatch(/power and wiring/);
    await r.waitFor(
      after(r, mark)((e) => e.type === 'state' && e.to === 'online'),
      'online again',
    );
    expect(r.report().counters.resetsLastHour).toBe(0);
  });

  it('fixes a desynced ring with resync, before any reset', async () => {
    rig = await startHealthRig();
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online', 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'desync' });
    const resync = await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'resync'),
      'the resync step',
    );
    expect(resync.outcome).toBe('done');
    await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.outcome === 'recovered'),
      'recovered',
    );
    expect(r.report().state).toBe('online');
    expect(r.events.filter(after(r, mark)((e) => e.type === 'recovery' && e.step === 'reset'))).toEqual([]);
  });

  it('resets a board whose bus is stuck through EN over its (simulated) serial port', async () => {
    rig = await startHealthRig();
    const r = rig;
    const before = await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount !== null, 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'bus-stuck' });
    const reset = await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'reset'),
      'the reset step',
    );
    expect(reset).toMatchObject({ outcome: 'done', reason: expect.stringContaining('RTS on sim:cam') });
    const back = await r.waitForReport((rep) => rep.state === 'online' && rep.bootCount === before.bootCount! + 1, 'online after the reset');
    expect(back.counters.resetsLastHour).toBe(1);
    expect(
      await r.waitFor(
        after(r, mark)((e) => e.type === 'reboot'),
        'the reboot',
      ),
    ).toMatchObject({ resetCause: 'PWRON_RESET' });
  });

  it('pushes the bundled script again when the board answers on its REPL but not on I2C (autoRepush)', async () => {
    rig = await startHealthRig({ ...QUICK_HEALTH, recovery: { ...QUICK_HEALTH.recovery, autoRepush: true } });
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online', 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'lost-script' });
    const reset = await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'reset'),
      'the reset',
    );
    expect(reset.reason).toMatch(/came up at the REPL with no slave script/);
    await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'repush' && e.outcome === 'done'),
      'the re-push',
      90_000,
    );
    await r.waitForReport((rep) => rep.state === 'online', 'online after the re-push', 30_000);
    const jobs = r.srv.services.pushJobs.list();
    expect(jobs.at(-1)).toMatchObject({ state: 'done', source: 'bundled slave script' });
  }, 150_000);

  it('gives up with an alert and never resets more often than the hourly cap', async () => {
    rig = await startHealthRig({ ...QUICK_HEALTH, recovery: { ...QUICK_HEALTH.recovery, maxResetsPerHour: 2, giveUpRetryMs: 1000 } });
    const r = rig;
    await r.waitForReport((rep) => rep.state === 'online', 'online');
    const mark = r.events.length;
    await r.fault({ kind: 'lost-script' });
    const missing = await r.waitFor(
      after(r, mark)((e) => e.type === 'diagnosis' && e.fault === 'script-missing'),
      'the missing-script diagnosis',
      60_000,
    );
    expect(missing.hint).toMatch(/autoRepush/);
    // Two resets, then the cap holds through later rounds of the ladder.
    await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'skip' && /resets in the last hour/.test(e.reason)),
      'a reset refused by the cap',
      60_000,
    );
    const gaveUp = r.events.filter(after(r, mark)((e) => e.type === 'recovery' && e.step === 'give-up'));
    expect(gaveUp.length).toBeGreaterThanOrEqual(2);
    expect(gaveUp[0]!.outcome).toBe('alert');
    const rounds = gaveUp.length;
    await r.waitFor(
      after(r, mark)((e) => e.type === 'recovery' && e.step === 'give-up' && r.events.filter((x) => x.step === 'give-up').length > rounds),
      'one more round',
      30_000,
    );
    expect(r.events.filter(after(r, mark)((e) => e.type === 'recovery' && e.step === 'reset'))).toHaveLength(2);
    const rep = r.report();
    expect(rep.state).toBe('offline');
    expect(rep.counters.resetsLastHour).toBe(2);
    const offline = r.events.filter(after(r, mark)((e) => e.type === 'state' && e.to === 'offline')).at(-1)!;
    expect(offline.reason).toMatch(/recovery gave up/);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { CameraHealth, DEFAULT_THRESHOLDS, type HealthEvent } from '../../host/src/services/health/camera-health.js';

function follow(health = new CameraHealth()): { health: CameraHealth; events: HealthEvent[]; states: () => string[] } {
  const events: HealthEvent[] = [];
  health.on('event', (e) => events.push(e));
  return { health, events, states: () => events.filter((e) => e.type === 'state').map((e) => `${e.from}→${e.to}`) };
}

const ok = (at: number, extra: Partial<{ roundTripMs: number; uptimeMs: number; bootCount: number; resetCause: string }> = {}) =>
  ({ kind: 'answer', at, roundTripMs: 20, ...extra }) as const;
const fail = (at: number) => ({ kind: 'failure', at, code: 'E_NO_ACK', message: 'No ACK from the camera at 0x2c' }) as const;

describe("a camera's health", () => {
  it('goes online at the first answer, degraded at one failure, offline at three, and online again when it answers', () => {
    const { health, events, states } = follow();
    expect(health.state).toBe('unknown');
    health.observe(ok(1000));
    health.observe(fail(2000));
    health.observe(fail(3000));
    health.observe(fail(4000));
    health.observe(ok(5000));
    expect(states()).toEqual(['unknown→online', 'online→degraded', 'degraded→offline', 'offline→online']);
    const offline = events.find((e) => e.to === 'offline')!;
    expect(offline).toMatchObject({
      at: 4000,
      reason: expect.stringMatching(/3 checks in a row failed; the last: No ACK .* \(E_NO_ACK\)/),
      hint: expect.stringMatching(/power and wiring/),
    });
    expect(health.lastSeenAt).toBe(5000);
    expect(health.lastError).toBeUndefined();
  });

  it('stays unknown through failures before the first answer, until they make it offline', () => {
    const { health, states } = follow();
    health.observe(fail(1));
    health.observe(fail(2));
    expect(health.state).toBe('unknown');
    health.observe(fail(3));
    expect(states()).toEqual(['unknown→offline']);
    expect(health.lastError).toMatchObject({ code: 'E_NO_ACK' });
  });

  it('counts slow answers and a high share of retakes as degraded', () => {
    const { health, events, states } = follow();
    health.observe(ok(1));
    health.observe(ok(2, { roundTripMs: DEFAULT_THRESHOLDS.slowMs + 1 }));
    health.observe(ok(3));
    expect(states()).toEqual(['unknown→online', 'online→degraded', 'degraded→online']);
    expect(events[1]!.reason).toMatch(/answered slowly/);
    // 3 troubled captures of 10 is over the 25 % threshold.
    for (let i = 0; i < 7; i++) health.observe({ kind: 'capture', at: 10 + i, retakes: 0, crcErrors: 0 });
    for (let i = 0; i < 3; i++) health.observe({ kind: 'capture', at: 20 + i, retakes: i === 0 ? 1 : 0, crcErrors: i === 0 ? 0 : 2 });
    expect(health.state).toBe('degraded');
    expect(events.at(-1)!.reason).toBe('3 of the last 10 photos needed a retake or saw a CRC error');
    // Clean captures push the troubled ones out of the window; the next answer finds it online.
    for (let i = 0; i < DEFAULT_THRESHOLDS.captureWindow; i++) health.observe({ kind: 'capture', at: 30 + i, retakes: 0, crcErrors: 0 });
    health.observe(ok(100));
    expect(health.state).toBe('online');
  });

  it('sees a reboot in the uptime going back or the boot count rising, with its cause and a hint', () => {
    const { health, events } = follow();
    health.observe(ok(1, { uptimeMs: 50_000, bootCount: 4 }));
    health.observe(ok(2, { uptimeMs: 65_000, bootCount: 4 }));
    health.observe(ok(3, { uptimeMs: 1_200, bootCount: 5, resetCause: 'WDT_RESET' }));
    health.observe(ok(4, { uptimeMs: 9_000, bootCount: 6, resetCause: 'BROWNOUT_RESET' }));
    const reboots = events.filter((e) => e.type === 'reboot');
    expect(reboots.map((e) => [e.at, e.resetCause])).toEqual([
      [3, 'WDT_RESET'],
      [4, 'BROWNOUT_RESET'],
    ]);
    expect(reboots[0]!.hint).toMatch(/watchdog/);
    expect(reboots[1]!.hint).toMatch(/supply voltage dropped/);
  });

  it("is recovering while the ladder runs, and offline with the ladder's reason when it gives up", () => {
    const { health, states, events } = follow();
    health.observe(ok(1));
    for (let t = 2; t <= 4; t++) health.observe(fail(t));
    health.observe({ kind: 'recovering', at: 5, step: 'reset through EN' });
    // Failures during recovery do not flap the state.
    health.observe(fail(6));
    expect(health.state).toBe('recovering');
    health.observe({ kind: 'gave-up', at: 7, reason: 'no answer after 3 resets this hour', hint: 'Check the board; it is retried every 10 minutes.' });
    expect(states()).toEqual(['unknown→online', 'online→degraded', 'degraded→offline', 'offline→recovering', 'recovering→offline']);
    expect(events.at(-1)).toMatchObject({ reason: 'no answer after 3 resets this hour', hint: /retried/ });
  });
});

import type { HealthThresholds } from '../../config/schema.js';
import { EventEmitter } from 'node:events';

/**
 * A camera's health, as Zigbee2MQTT's availability and ESPHome's status sensor model it: what the service
 * last knew, derived only from what it observed (answers, failures, captures), never from a guess.
 *
 *   unknown ──ok──▶ online ◀──────────────┐
 *      │             │  slow or retakes    │ ok, and no sign of trouble
 *      │             ▼                     │
 *      └─failures─▶ degraded ──failures──▶ offline ──recovery starts──▶ recovering
 */
export type HealthState = 'unknown' | 'online' | 'degraded' | 'offline' | 'recovering';

export type { HealthThresholds };

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  degradedAfterFailures: 1,
  offlineAfterFailures: 3,
  slowMs: 1000,
  captureWindow: 20,
  retakeShare: 0.25,
};

/** What the service saw. Times are milliseconds on whatever clock the caller uses (tests fake it). */
export type HealthObservation =
  | {
      kind: 'answer';
      at: number;
      roundTripMs: number;
      uptimeMs?: number;
      bootCount?: number;
      resetCause?: string;
      /** false when the board says its camera did not initialise; `cameraError` then says why. */
      cameraOk?: boolean;
      cameraError?: string;
    }
  | { kind: 'failure'; at: number; code: string; message: string }
  | { kind: 'capture'; at: number; retakes: number; crcErrors: number }
  | { kind: 'recovering'; at: number; step: string }
  /** The recovery ladder ran out of steps: the camera stays offline, retried on a slow backoff. */
  | { kind: 'gave-up'; at: number; reason: string; hint: string };

export interface HealthEvent {
  at: number;
  /**
   * `state`: a change of state; `reboot`: a reboot seen from its uptime, boot count or a gap in answers;
   * `recovery`: a step of the recovery ladder and its outcome; `diagnosis`: a fault recognised in the boot log.
   */
  type: 'state' | 'reboot' | 'recovery' | 'diagnosis';
  from?: HealthState;
  to?: HealthState;
  /** What happened, in words. */
  reason: string;
  /** What the user can do about it; empty when nothing is needed. */
  hint: string;
  resetCause?: string;
  /** For `recovery`: the ladder's step (retry, resync, reset, repush, give-up) and how it went. */
  step?: string;
  outcome?: string;
  /** For `diagnosis`: the fault's kind (brownout, camera-probe, invalid-header…). */
  fault?: string;
}

type Events = { event: [HealthEvent] };

/** Follows one camera's health from its observations; every change is an event with its reason and hint. */
export class CameraHealth extends EventEmitter<Events> {
  private current: HealthState = 'unknown';
  private why = 'unknown';
  private failures = 0;
  private lastFailure: { code: string; message: string } | undefined;
  private readonly captures: Array<{ troubled: boolean }> = [];
  private lastUptimeMs: number | undefined;
  private lastBootCount: number | undefined;
  /** When the camera last answered, or undefined before its first answer. */
  lastSeenAt: number | undefined;

  constructor(private readonly thresholds: HealthThresholds = DEFAULT_THRESHOLDS) {
    super();
  }

  get state(): HealthState {
    return this.current;
  }

  observe(o: HealthObservation): void {
    switch (o.kind) {
      case 'answer':
        this.answered(o);
        break;
      case 'failure':
        this.failed(o);
        break;
      case 'capture':
        this.captured(o);
        break;
      case 'recovering':
        if (this.current === 'offline' || this.current === 'degraded') {
          this.change(o.at, 'recovering', `recovery: ${o.step}`, '');
        }
        break;
      case 'gave-up':
        this.change(o.at, 'offline', o.reason, o.hint);
        break;
    }
  }

  private answered(o: Extract<HealthObservation, { kind: 'answer' }>): void {
    this.lastSeenAt = o.at;
    this.failures = 0;
    this.noteReboot(o);
    const slow = o.roundTripMs > this.thresholds.slowMs;
    if (o.cameraOk === false) {
      this.change(
        o.at,
        'degraded',
        `the board answers but its camera did not initialise${o.cameraError ? `: ${o.cameraError}` : ''}`,
        CAMERA_INIT_HINT,
        'camera-init',
      );
    } else if (slow) {
      this.change(
        o.at,
        'degraded',
        `the camera answered slowly (${Math.round(o.roundTripMs)} ms, over ${this.thresholds.slowMs} ms)`,
        'A slow answer means a busy bus or a struggling board: check the wiring and the supply, or lower the bus clock.',
        'slow',
      );
    } else if (this.troubledShare() > this.thresholds.retakeShare) {
      this.degradedByRetakes(o.at);
    } else {
      this.change(o.at, 'online', this.current === 'unknown' ? 'the camera answered' : 'the camera answers again', '');
    }
  }

  private failed(o: Extract<HealthObservation, { kind: 'failure' }>): void {
    this.failures++;
    this.lastFailure = { code: o.code, message: o.message };
    const { degradedAfterFailures, offlineAfterFailures } = this.thresholds;
    if (this.failures >= offlineAfterFailures) {
      if (this.current !== 'recovering') {
        this.change(
          o.at,
          'offline',
          `${this.failures} checks in a row failed; the last: ${o.message} (${o.code})`,
          'The board does not answer: check its power and wiring; the service tries to bring it back by itself.',
        );
      }
    } else if (this.failures >= degradedAfterFailures && this.current !== 'offline' && this.current !== 'recovering') {
      this.change(
        o.at,
        this.current === 'unknown' ? 'unknown' : 'degraded',
        `a check failed: ${o.message} (${o.code})`,
        'One failure can be noise on the bus; more make the camera offline.',
      );
    }
  }

  private captured(o: Extract<HealthObservation, { kind: 'capture' }>): void {
    this.captures.push({ troubled: o.retakes > 0 || o.crcErrors > 0 });
    while (this.captures.length > this.thresholds.captureWindow) this.captures.shift();
    if (this.current === 'online' && this.troubledShare() > this.thresholds.retakeShare) {
      this.degradedByRetakes(o.at);
    }
  }

  /** Under protocol 2 a reboot shows as the uptime going back or the boot count going up. */
  private noteReboot(o: Extract<HealthObservation, { kind: 'answer' }>): void {
    const wentBack = o.uptimeMs !== undefined && this.lastUptimeMs !== undefined && o.uptimeMs < this.lastUptimeMs;
    const counted = o.bootCount !== undefined && this.lastBootCount !== undefined && o.bootCount > this.lastBootCount;
    if (o.uptimeMs !== undefined) this.lastUptimeMs = o.uptimeMs;
    if (o.bootCount !== undefined) this.lastBootCount = o.bootCount;
    if (!wentBack && !counted) return;
    const cause = o.resetCause ?? 'unknown';
    this.emit('event', { at: o.at, type: 'reboot', reason: `the board rebooted (${cause})`, hint: rebootHint(cause), resetCause: cause });
  }

  private degradedByRetakes(at: number): void {
    this.change(
      at,
      'degraded',
      this.retakeReason(),
      'Photos arrive damaged and are taken again: check the I2C wiring, its length and the pull-ups.',
      'retakes',
    );
  }

  private troubledShare(): number {
    if (this.captures.length === 0) return 0;
    return this.captures.filter((c) => c.troubled).length / this.captures.length;
  }

  private retakeReason(): string {
    const troubled = this.captures.filter((c) => c.troubled).length;
    return `${troubled} of the last ${this.captures.length} photos needed a retake or saw a CRC error`;
  }

  /**
   * Moves to `to`; `why` tells degraded states apart (a failed check, a camera that did not initialise, slow
   * answers, retakes), so that a new trouble in the same state is an event of its own.
   */
  private change(at: number, to: HealthState, reason: string, hint: string, why: string = to): void {
    if (to === this.current && why === this.why) return;
    const from = this.current;
    this.current = to;
    this.why = why;
    this.emit('event', { at, type: 'state', from, to, reason, hint });
  }

  /** Adds an event that is not a change of state (a recovery step, a diagnosis) to the camera's stream. */
  note(event: HealthEvent): void {
    this.emit('event', event);
  }

  /** Starts from a state remembered from an earlier run, so a restart does not forget the board's uptime. */
  restore(memory: { bootCount?: number }): void {
    if (memory.bootCount !== undefined) this.lastBootCount = memory.bootCount;
  }

  /** The failure that made the camera degraded or offline, if it is. */
  get lastError(): { code: string; message: string } | undefined {
    return this.current === 'online' ? undefined : this.lastFailure;
  }
}

export const CAMERA_INIT_HINT =
  'Reseat the camera ribbon cable (contacts towards the board, latch closed) and check the 3.3 V supply; probe error 0x105 means the sensor did not answer at all, 0x20004 that it is not a supported sensor.';

/** What a reset cause asks of the user. */
export function rebootHint(cause: string): string {
  switch (cause) {
    case 'WDT_RESET':
      return "The slave script's watchdog rebooted the board: nothing talked to it for too long, or the script hung.";
    case 'BROWNOUT_RESET':
      return 'The supply voltage dropped (often when the flash LED fires): use a 5 V supply good for 500 mA peaks and short, thick wires.';
    case 'PANIC':
      return "The firmware crashed: the board's serial console shows the backtrace.";
    case 'PWRON_RESET':
      return 'The board was powered on, or its RST/EN line was pulled.';
    case 'SOFT_RESET':
    case 'HARD_RESET':
      return 'The board was reset by software.';
    default:
      return '';
  }
}

import { EventEmitter } from 'node:events';
import type { BoardStatus } from '../../devices/camera/types.js';
import { isEsp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import { errorPayload } from '../error-payload.js';
import type { CaptureService } from '../cameras/capture-service.js';
import { CameraHealth, DEFAULT_THRESHOLDS, type HealthEvent, type HealthState, type HealthThresholds } from './camera-health.js';
import { diagnoseLine, type Diagnosis } from './board-diagnosis.js';
import type { HealthLog } from './health-log.js';
import { DEFAULT_RECOVERY, RecoveryLadder, type RecoverySettings } from './recovery-ladder.js';
import { RecoveryRunner } from './recovery-runner.js';
import type { RecoveryActions } from './recovery-actions.js';

const healthLog = logger('service');

/** Without a watchdog timeout from the board (legacy script), a keep-alive every 15 s: a quarter of its 60 s default. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** The keep-alive never runs more often than this, whatever the board's watchdog says. */
export const MIN_KEEP_ALIVE_MS = 250;
/** A legacy camera silent this long and then back has probably rebooted (it cannot say so itself). */
export const LEGACY_REBOOT_GAP_MS = 5_000;
/** The longest a check with its recovery step may run (a re-push waits up to two minutes) before the loop counts as stuck. */
const MAX_STEP_MS = 5 * 60_000;
/** A timer this late means the loop stopped (the event loop itself is watched apart, by the systemd watchdog). */
const LATE_MS = 60_000;

/** The same fault seen in the boot log again within this time is one event (a boot loop prints it every time). */
export const DIAGNOSIS_REPEAT_MS = 60_000;

/** The reset cause a fault in the boot log means: what the board's own reset_cause() cannot tell apart. */
const CAUSE_OF_FAULT: Partial<Record<Diagnosis['fault'], string>> = {
  brownout: 'BROWNOUT_RESET',
  panic: 'PANIC',
  'task-watchdog': 'WDT_RESET',
};

export interface MonitorSettings {
  /**
   * The keep-alive interval: undefined derives it (a quarter of the board's watchdog timeout under protocol 2,
   * else 15 s); 0 turns the keep-alive and the recovery ladder off (the camera is then only checked when used).
   */
  keepAliveMs?: number;
  thresholds?: HealthThresholds;
  recovery?: RecoverySettings;
  /** Events listed in the health report. */
  recentEvents?: number;
}

export interface MonitorOptions extends MonitorSettings {
  camera: CaptureService;
  log: HealthLog;
  actions: RecoveryActions;
  now?: () => number;
  random?: () => number;
}

/** One camera's health as GET /api/health and the page show it. */
export interface CameraHealthReport {
  name: string;
  state: HealthState;
  lastSeenAt: string | null;
  uptimeMs: number | null;
  bootCount: number | null;
  resetCause: string | null;
  firmware: string | null;
  protocol: string | null;
  freeHeap: number | null;
  cameraOk: boolean | null;
  keepAliveMs: number;
  /** The boot-log listener on the board's serial port: listening, waiting (for the port to be free or attached), or off. */
  bootLog: 'listening' | 'waiting' | 'off';
  counters: { captures: number | null; errors: number | null; reboots: Record<string, number>; resetsLastHour: number };
  recovering: { step: string; since: string } | null;
  lastError: { code: string; message: string } | null;
  events: Array<Omit<HealthEvent, 'at'> & { at: string }>;
}

type MonitorEvents = { event: [HealthEvent & { camera: string }]; state: [{ camera: string; state: HealthState }] };

/**
 * Watches one camera: the keep-alive that stops its watchdog from rebooting it, its health from every
 * answer and failure, and the recovery ladder when it stops answering. Keep-alive checks go through the
 * camera's own queue and its bus's queue like any command, and only while the camera is idle, so a capture
 * never waits behind one that could have been skipped.
 */
export class CameraMonitor extends EventEmitter<MonitorEvents> {
  readonly name: string;
  readonly health: CameraHealth;
  private readonly camera: CaptureService;
  private readonly store: HealthLog;
  private readonly ladder: RecoveryLadder;
  private readonly recovery: RecoveryRunner;
  private readonly now: () => number;
  private readonly fixedKeepAliveMs: number | undefined;
  private readonly recentEvents: number;
  private board: BoardStatus | undefined;
  private lastActivityAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** A failure seen since the last answer: a legacy board that comes back from one may have rebooted. */
  private silentSince: number | undefined;
  /** A reset cause the boot log gave since the last answer, to name the reboot the next answer shows. */
  private bootLogCause: string | undefined;
  private readonly lastDiagnosis = new Map<string, number>();
  /** When the next check is due, and since when one runs: what the host's own watchdog asks before it says all is well. */
  private dueAt: number | undefined;
  private runningSince: number | undefined;

  constructor(opts: MonitorOptions) {
    super();
    this.camera = opts.camera;
    this.name = opts.camera.name;
    this.store = opts.log;
    this.now = opts.now ?? Date.now;
    this.health = new CameraHealth(opts.thresholds ?? DEFAULT_THRESHOLDS);
    this.health.restore({ bootCount: this.store.board.bootCount });
    this.ladder = new RecoveryLadder(opts.recovery ?? DEFAULT_RECOVERY, opts.random);
    this.recovery = new RecoveryRunner({
      camera: this.name,
      health: this.health,
      ladder: this.ladder,
      actions: opts.actions,
      protocol2: () => (this.board?.protocol ?? this.camera.camera.client.protocolInUse) === 'v2',
      now: this.now,
    });
    this.fixedKeepAliveMs = opts.keepAliveMs;
    this.recentEvents = opts.recentEvents ?? 50;
    this.health.on('event', (event) => this.record(event));

    this.camera.on('capture:error', (err) => {
      if (OFFLINE_CODES.has(err.code)) this.health.observe({ kind: 'failure', at: this.now(), code: err.code, message: err.message });
    });
    // Every whole photo (stored, a still not stored, a stream frame) fed the board's watchdog: no keep-alive is due.
    this.camera.on('capture:done', (e) => {
      this.activity();
      this.health.observe({ kind: 'capture', at: this.now(), retakes: e.attempts - 1, crcErrors: 0 });
    });
    this.camera.setHealthView(() => ({ state: this.health.state, lastSeenAt: iso(this.health.lastSeenAt) }));
  }

  get enabled(): boolean {
    return this.fixedKeepAliveMs !== 0;
  }

  /** The keep-alive interval in force: configured, or a quarter of the board's watchdog, or 15 s. */
  get keepAliveMs(): number {
    if (this.fixedKeepAliveMs !== undefined && this.fixedKeepAliveMs > 0) return this.fixedKeepAliveMs;
    const wdt = this.board?.wdtTimeoutMs;
    return wdt ? Math.max(MIN_KEEP_ALIVE_MS, Math.floor(wdt / 4)) : DEFAULT_KEEP_ALIVE_MS;
  }

  /** Checks once now (the camera's first state), then keeps checking while enabled. */
  async start(): Promise<void> {
    await this.tick();
  }

  /** True while the loop runs on time (or is off): the host's watchdog withholds its ping otherwise. */
  alive(): { ok: boolean; reason?: string } {
    if (!this.enabled || this.stopped) return { ok: true };
    const now = this.now();
    if (this.runningSince !== undefined) {
      const busy = now - this.runningSince;
      return busy <= MAX_STEP_MS ? { ok: true } : { ok: false, reason: `camera "${this.name}"'s health check has run for ${Math.round(busy / 1000)} s` };
    }
    // A loop waiting out a give-up or a long backoff is on time; one whose timer did not fire is not.
    if (this.dueAt === undefined) return { ok: false, reason: `camera "${this.name}"'s monitor has no next check` };
    const late = now - this.dueAt;
    return late <= LATE_MS ? { ok: true } : { ok: false, reason: `camera "${this.name}"'s monitor is ${Math.round(late / 1000)} s late` };
  }

  report(): CameraHealthReport {
    const b = this.board;
    const mem = this.store.board;
    return {
      name: this.name,
      state: this.health.state,
      lastSeenAt: iso(this.health.lastSeenAt ?? mem.lastSeenAt),
      uptimeMs: b?.uptimeMs ?? null,
      bootCount: b?.bootCount ?? mem.bootCount ?? null,
      resetCause: b?.resetCause ?? mem.resetCause ?? null,
      firmware: b?.firmware ?? null,
      protocol: b?.protocol ?? null,
      freeHeap: b?.freeHeap ?? null,
      cameraOk: b?.cameraOk ?? null,
      keepAliveMs: this.enabled ? this.keepAliveMs : 0,
      bootLog: this.bootLogState?.() ?? 'off',
      counters: {
        captures: b?.captures ?? null,
        errors: b?.errors ?? null,
        reboots: { ...mem.reboots },
        resetsLastHour: this.ladder.resetsInLastHour(this.now()),
      },
      recovering: this.recovery.recovering ? { step: this.recovery.recovering.step, since: iso(this.recovery.recovering.since)! } : null,
      lastError: this.health.lastError ?? null,
      events: this.store.recent(this.recentEvents).map((e) => ({ ...e, at: iso(e.at)! })),
    };
  }

  /** Lets the boot-log listener say how it is, for the report. */
  bootLogState: (() => 'listening' | 'waiting') | undefined;

  /** One line the board printed on its serial port (the boot-log listener's): a known fault becomes an event. */
  bootLine(line: string): void {
    const d = diagnoseLine(line);
    if (!d) return;
    const at = this.now();
    const cause = CAUSE_OF_FAULT[d.fault];
    if (cause) this.bootLogCause = cause;
    const key = `${d.fault}:${d.reason}`;
    const last = this.lastDiagnosis.get(key);
    this.lastDiagnosis.set(key, at);
    if (last !== undefined && at - last < DIAGNOSIS_REPEAT_MS) return;
    this.health.note({ at, type: 'diagnosis', fault: d.fault, reason: d.reason, hint: d.hint });
  }

  /** Runs one check now, outside the schedule (the CLI's and the tests' "check it now"). */
  checkNow(): Promise<void> {
    return this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.store.flush();
  }

  // ---- the loop -------------------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped || !this.enabled) return;
    this.dueAt = this.now() + delayMs;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    this.running ??= (async () => {
      this.runningSince = this.now();
      this.dueAt = undefined;
      try {
        await this.loopOnce();
      } finally {
        this.runningSince = undefined;
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async loopOnce(): Promise<void> {
    if (this.stopped) return;
    // A camera in use is alive and fed: the keep-alive waits for the next idle moment.
    const idleFor = this.now() - this.lastActivityAt;
    if (!this.recovery.recovering && (this.camera.isBusy || idleFor < this.keepAliveMs)) {
      this.schedule(this.camera.isBusy ? this.keepAliveMs : this.keepAliveMs - idleFor);
      return;
    }
    try {
      const ok = await this.check();
      if (ok) {
        this.recovery.succeeded('the camera answers');
        this.schedule(this.keepAliveMs);
      } else if (this.enabled) {
        this.schedule(await this.recovery.afterFailure());
      }
    } catch (err) {
      healthLog.error(`camera "${this.name}": the health check failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.schedule(this.keepAliveMs);
    }
  }

  /** One status request; true when the camera answered. */
  private async check(): Promise<boolean> {
    const at = this.now();
    try {
      const status = await this.camera.checkStatus();
      this.answered(status, at);
      return true;
    } catch (err) {
      if (!isEsp32CamError(err)) throw err;
      this.silentSince ??= at;
      const payload = errorPayload(err);
      this.health.observe({ kind: 'failure', at: this.now(), code: payload.code, message: payload.message });
      return false;
    }
  }

  private answered(status: BoardStatus, at: number): void {
    const previous = this.board;
    this.board = { ...previous, ...status };
    this.lastActivityAt = this.now();
    if (status.protocol === 'legacy' && this.silentSince !== undefined && at - this.silentSince >= LEGACY_REBOOT_GAP_MS) {
      const gap = Math.round((at - this.silentSince) / 1000);
      this.health.note({
        at,
        type: 'reboot',
        reason: `the camera did not answer for ${gap} s and is back: it probably rebooted (a legacy script cannot say)`,
        hint: 'Push the bundled script (protocol 2) to see its boot count and reset cause.',
        resetCause: 'unknown',
      });
    }
    this.silentSince = undefined;
    const bootLogCause = this.bootLogCause;
    this.bootLogCause = undefined;
    this.health.observe({
      kind: 'answer',
      at: this.now(),
      roundTripMs: status.roundTripMs,
      uptimeMs: status.uptimeMs,
      bootCount: status.bootCount,
      resetCause: bootLogCause ?? status.resetCause,
      cameraOk: status.cameraOk,
      cameraError: status.cameraOk === false ? status.lastError : undefined,
    });
    this.store.remember({
      lastSeenAt: this.health.lastSeenAt,
      ...(status.bootCount !== undefined ? { bootCount: status.bootCount } : {}),
      ...(status.resetCause !== undefined ? { resetCause: status.resetCause } : {}),
    });
  }

  private activity(): void {
    this.lastActivityAt = this.now();
  }

  private record(event: HealthEvent): void {
    this.store.append(event);
    if (event.type === 'reboot') this.store.countReboot(event.resetCause ?? 'unknown');
    const line = `camera "${this.name}": ${event.type === 'state' ? `${event.from} → ${event.to}: ` : ''}${event.reason}`;
    if (event.type === 'state' && (event.to === 'offline' || event.to === 'degraded')) healthLog.warn(line);
    else healthLog.info(line);
    this.emit('event', { ...event, camera: this.name });
    if (event.type === 'state') {
      this.emit('state', { camera: this.name, state: this.health.state });
      this.camera.changed();
    }
  }
}

const OFFLINE_CODES = new Set(['E_NO_ACK', 'E_TIMEOUT', 'E_BUS_IO', 'E_NO_I2C_DEVICE']);

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

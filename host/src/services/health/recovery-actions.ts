import { Esp32CamError } from '../../errors.js';
import type { CameraClient } from '../../devices/camera/camera-client.js';
import { resetBoard, withReplSession } from '../device-session.js';
import type { PushJobs } from '../push-jobs.js';
import type { SerialPorts } from '../serial/index.js';
import { diagnoseLine, type Diagnosis } from './board-diagnosis.js';

/** What a hardware reset did and what the board printed as it came back. */
export interface ResetOutcome {
  /** `RTS on /dev/ttyUSB0`, `machine.reset() on sim:cam`. */
  how: string;
  /** Faults recognised in the boot output. */
  diagnoses: Diagnosis[];
  /** The board came up at its REPL without the slave script running (missing, or it failed). */
  scriptMissing: boolean;
  output: string;
}

/** The ladder's hands: what it can do to one camera's board. */
export interface RecoveryActions {
  resync(): Promise<void>;
  /** Whether a hardware reset is possible right now (a known, free serial port). */
  canReset(): boolean;
  reset(): Promise<ResetOutcome>;
  repush(): Promise<void>;
  /** One sentence on what this camera's recovery can use, for hints. */
  describe(): string;
}

/** The slave script's start-up line (device-scripts/main.py banner()); MicroPython's own banner means main.py is not running. */
const SLAVE_BANNER = /esp32cam-slave\/\d[^\n]*\n/;
const REPL_BANNER = /Type "help\(\)" for more information\.|^>>> |\n>>> /m;
const BOOT_WAIT_MS = 6_000;
const REPUSH_WAIT_MS = 120_000;

export interface BoardRecoveryOptions {
  camera: string;
  client: CameraClient;
  /** The board's USB-serial port, when the camera has one configured. */
  serialPort: string | undefined;
  ports: SerialPorts;
  pushJobs: PushJobs;
  /** Whether the ladder may reset the board (health.recovery.serialReset). */
  serialReset: boolean;
}

/** Recovery through the camera's own client (resync) and its board's serial port (EN reset, re-push). */
export class BoardRecovery implements RecoveryActions {
  constructor(private readonly opts: BoardRecoveryOptions) {}

  resync(): Promise<void> {
    return this.opts.client.resync();
  }

  canReset(): boolean {
    const port = this.opts.serialPort;
    return port !== undefined && this.opts.ports.claims.holder(port) === undefined;
  }

  describe(): string {
    if (!this.opts.serialReset) return 'Hardware resets are turned off (health.recovery.serialReset): reset the board by hand, or turn them on.';
    const port = this.opts.serialPort;
    if (!port) return 'Give the camera its serialPort in the config so the service can reset the board through RTS.';
    const holder = this.opts.ports.claims.holder(port);
    return holder
      ? `Its serial port ${port} is held by the ${holder}, so it could not be reset.`
      : `The service resets it through ${port} when it stops answering.`;
  }

  async reset(): Promise<ResetOutcome> {
    const port = this.opts.serialPort;
    if (!port) throw new Esp32CamError('E_CONFIG', `Camera "${this.opts.camera}" has no serial port`, 'Set serialPort for the camera in the config.');
    const release = this.opts.ports.claims.claim(port, {
      name: `health recovery of camera "${this.opts.camera}"`,
      busyMessage: (p) => `${p} is being reset by the health monitor of camera "${this.opts.camera}"`,
      busyHint: 'Wait a few seconds for the reset to finish, then try again.',
    });
    try {
      await this.opts.ports.claims.ready(port);
      const result = await withReplSession({ path: port, ...this.opts.ports.openExtras(port) }, `health recovery of camera "${this.opts.camera}"`, (session) =>
        resetBoard(session, 'hard', { until: new RegExp(`${SLAVE_BANNER.source}|${REPL_BANNER.source}`, 'm'), waitMs: BOOT_WAIT_MS }),
      );
      const output = result.output;
      const diagnoses = output
        .split(/\r?\n/)
        .map(diagnoseLine)
        .filter((d): d is Diagnosis => d !== undefined);
      const scriptMissing = !SLAVE_BANNER.test(output) && REPL_BANNER.test(output);
      const how = result.how === 'rts' ? `RTS on ${port}` : result.how === 'machine.reset' ? `machine.reset() on ${port}` : `Ctrl-D on ${port}`;
      // The client's session belongs to the board before the reset: probe again.
      this.opts.client.resetSession();
      return { how, diagnoses: dedupe(diagnoses), scriptMissing, output };
    } finally {
      release();
    }
  }

  async repush(): Promise<void> {
    const port = this.opts.serialPort;
    if (!port) throw new Esp32CamError('E_CONFIG', `Camera "${this.opts.camera}" has no serial port`, 'Set serialPort for the camera in the config.');
    const job = await this.opts.pushJobs.start({ port, source: { kind: 'bundled' }, run: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Esp32CamError('E_TIMEOUT', `The re-push to ${port} did not finish in ${REPUSH_WAIT_MS / 1000} s`, 'Look at the push job in the Scripts panel.'),
        );
      }, REPUSH_WAIT_MS);
      const done = (e: { id: string }): void => {
        if (e.id !== job.id) return;
        cleanup();
        resolve();
      };
      const failed = (e: { id: string; error: { code: string; message: string; hint?: string } }): void => {
        if (e.id !== job.id) return;
        cleanup();
        reject(new Esp32CamError('E_INTERNAL', `The re-push failed: ${e.error.message}`, e.error.hint ?? 'Push the script by hand.'));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.opts.pushJobs.off('job:done', done as never);
        this.opts.pushJobs.off('job:failed', failed as never);
      };
      this.opts.pushJobs.on('job:done', done as never);
      this.opts.pushJobs.on('job:failed', failed as never);
      // A job that ended before the listeners were on still counts.
      const now = this.opts.pushJobs.get(job.id);
      if (now.state === 'done') done({ id: job.id });
      else if (now.state === 'failed') failed({ id: job.id, error: now.error ?? { code: 'E_INTERNAL', message: 'the push failed' } });
    });
    this.opts.client.resetSession();
  }
}

function dedupe(list: Diagnosis[]): Diagnosis[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.fault}:${d.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

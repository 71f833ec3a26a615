import { logger } from '../../log/index.js';
import { errorPayload } from '../error-payload.js';
import type { CameraHealth } from './camera-health.js';
import type { RecoveryActions } from './recovery-actions.js';
import type { LadderDecision, RecoveryLadder } from './recovery-ladder.js';

const healthLog = logger('service');

export const SCRIPT_MISSING_HINT =
  'Push the bundled script (the Scripts panel, POST /api/scripts/push, or esp32cam push with the service stopped), or set health.recovery.autoRepush to let the service do it.';

export interface RecoveryRunnerOptions {
  camera: string;
  health: CameraHealth;
  ladder: RecoveryLadder;
  actions: RecoveryActions;
  /** Whether the camera spoke protocol 2 when it last answered (resync needs it). */
  protocol2: () => boolean;
  now: () => number;
}

/**
 * Carries out the recovery ladder's decisions for one camera: each step is done through the board's
 * actions, logged, and noted on the camera's health as an event with its outcome. The monitor asks it what
 * to do after each failed check and tells it when the camera answers again.
 */
export class RecoveryRunner {
  /** The heavy step under way (resync, reset, repush), for the report; undefined while only retrying. */
  recovering: { step: string; since: number } | undefined;
  /** The last reset showed a board at its REPL with no slave script running. */
  private scriptMissing = false;

  constructor(private readonly opts: RecoveryRunnerOptions) {}

  /** The ladder's next step after a failed check, done; resolves with the wait before the next check. */
  async afterFailure(): Promise<number> {
    const { ladder, actions, health, now } = this.opts;
    const decision = ladder.next({ protocol2: this.opts.protocol2(), canReset: actions.canReset(), scriptMissing: this.scriptMissing, now: now() });
    for (const why of decision.skipped) this.step('skip', why, '');
    if (decision.step === 'retry') {
      this.step('retry', `check ${ladder.retriesDone} of ${ladder.settings.retries} again in ${(decision.waitMs / 1000).toFixed(1)} s`, 'waiting');
      return decision.waitMs;
    }
    if (decision.step === 'give-up') {
      this.recovering = undefined;
      this.step('give-up', `nothing brought the camera back; the service tries again in ${waitText(decision.waitMs)}`, 'alert');
      health.observe({
        kind: 'gave-up',
        at: now(),
        reason: 'the camera does not answer and recovery gave up for now',
        hint: this.scriptMissing ? SCRIPT_MISSING_HINT : `Check the board's power and wiring. ${actions.describe()}`,
      });
      return decision.waitMs;
    }
    await this.run(decision);
    return 0;
  }

  /** The camera answers: a recovery under way ends with an event, and the next trouble starts at the bottom. */
  succeeded(why: string): void {
    if (this.recovering) this.step(this.recovering.step, `recovered: ${why}`, 'recovered');
    this.recovering = undefined;
    this.scriptMissing = false;
    this.opts.ladder.succeeded();
  }

  private async run(decision: LadderDecision): Promise<void> {
    const { ladder, actions, health, now } = this.opts;
    this.recovering = { step: decision.step, since: now() };
    health.observe({ kind: 'recovering', at: now(), step: decision.step });
    try {
      if (decision.step === 'resync') {
        await actions.resync();
        this.step('resync', 'the slave rebuilt its I2C slave and flushed its ring', 'done');
      } else if (decision.step === 'reset') {
        ladder.countReset(now());
        const result = await actions.reset();
        this.scriptMissing = result.scriptMissing;
        for (const d of result.diagnoses) health.note({ at: now(), type: 'diagnosis', reason: d.reason, hint: d.hint, fault: d.fault });
        const missing = result.scriptMissing ? '; it came up at the REPL with no slave script running' : '';
        this.step('reset', `the board was reset through ${result.how}${missing}`, 'done');
        if (result.scriptMissing && !ladder.settings.autoRepush) {
          health.note({
            at: now(),
            type: 'diagnosis',
            fault: 'script-missing',
            reason: 'the board answers on its REPL but not on I2C: the slave script is missing or broken',
            hint: SCRIPT_MISSING_HINT,
          });
        }
      } else if (decision.step === 'repush') {
        await actions.repush();
        this.scriptMissing = false;
        this.step('repush', 'the bundled slave script was pushed again and the board restarted', 'done');
      }
    } catch (err) {
      const p = errorPayload(err);
      this.step(decision.step, `${decision.step} failed: ${p.message}`, 'failed', p.hint);
    }
  }

  private step(step: string, reason: string, outcome: string, hint = ''): void {
    healthLog.info(`camera "${this.opts.camera}" recovery ${step}: ${reason}`);
    this.opts.health.note({ at: this.opts.now(), type: 'recovery', step, outcome, reason, hint });
  }
}

function waitText(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

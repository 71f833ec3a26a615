import { WDT } from './shared-layout.js';
import { absNow } from './sim-clock.js';

/**
 * The task watchdog machine.WDT starts. The worker arms and feeds it in shared memory; this side checks it,
 * so a script spinning without ever sleeping still gets bitten. One per chip boot: it outlives soft resets.
 */
export class TaskWatchdog {
  /** Handed to the worker, which writes the timeout and each feed. */
  readonly buffer = new SharedArrayBuffer(WDT.SLOTS * 8);
  private readonly slots = new Float64Array(this.buffer);

  /** null while the script has not started a watchdog. */
  view(): { timeoutMs: number; msSinceFeed: number } | null {
    const timeoutMs = this.slots[WDT.TIMEOUT]!;
    return timeoutMs > 0 ? { timeoutMs, msSinceFeed: absNow() - this.slots[WDT.LAST_FEED]! } : null;
  }

  /** Whether it has just run out; it is then disarmed, so one starvation bites once. */
  bite(): boolean {
    const timeout = this.slots[WDT.TIMEOUT]!;
    if (timeout > 0 && absNow() - this.slots[WDT.LAST_FEED]! > timeout) {
      this.slots[WDT.TIMEOUT] = 0;
      return true;
    }
    return false;
  }
}

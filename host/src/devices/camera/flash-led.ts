import { performance } from 'node:perf_hooks';
import { v2 } from '../../../../protocol/src/index.js';
import { sleep } from './bus-link.js';

/**
 * The board's flash LED as the host drives it, and what the host does for a flash photo when the board's
 * script cannot (protocol/README.md, CAPTURE flags): LED on, 150 ms, the photo, LED back as it was.
 *
 * It remembers what it last set, and since when the LED is on, so a photo taken while the LED is already on
 * (the user switched it on, a live stream lights the scene) waits only for what is left of the 150 ms and
 * leaves it on. The board forgets the LED when it reboots, and so does the session that holds this.
 */
export class FlashLed {
  /** performance.now() when the board confirmed the LED on; undefined while it is off (or not known to be on). */
  private onSince: number | undefined;

  constructor(private readonly drive: (on: boolean) => Promise<void>) {}

  async set(on: boolean): Promise<void> {
    try {
      await this.drive(on);
    } catch (err) {
      // The command may or may not have reached the board: count the LED as off, so a flash switches it on again.
      this.onSince = undefined;
      throw err;
    }
    // The board switched the LED before it answered: the time of the answer is on the safe side.
    this.onSince = on ? (this.onSince ?? performance.now()) : undefined;
  }

  /**
   * Runs `take` with the LED on for at least v2.FLASH_LEAD_MS before it starts, then switches the LED off again
   * unless it was on before, also when `take` failed. `take`'s own error wins over one switching the LED off.
   */
  async lit<T>(take: () => Promise<T>): Promise<T> {
    const wasOn = this.onSince !== undefined;
    if (!wasOn) await this.set(true);
    await sleep(Math.max(0, v2.FLASH_LEAD_MS - (performance.now() - this.onSince!)));
    let result: T;
    try {
      result = await take();
    } catch (err) {
      if (!wasOn) await this.set(false).catch(() => undefined);
      throw err;
    }
    if (!wasOn) await this.set(false);
    return result;
  }
}

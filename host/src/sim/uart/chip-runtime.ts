/**
 * The seam between the simulated chip's serial side (ROM, bootloader, flash, UART) and what runs once the
 * bootloader starts a MicroPython app. The serial side decides *when* the app runs and stops it on every chip
 * reset; the runtime decides what it prints and asks for resets.
 */
import type { SimFlash } from './flash-chip.js';

/** MicroPython's machine.reset_cause() values (freshev ports/esp32/modmachine.c). */
export const RESET_CAUSES = { PWRON_RESET: 1, HARD_RESET: 2, WDT_RESET: 3, DEEPSLEEP_RESET: 4, SOFT_RESET: 5 } as const;
export type ResetCause = keyof typeof RESET_CAUSES;

/** What a running app can do to the chip it runs on; every call is a no-op once that boot is over. */
export interface ChipHandle {
  readonly flash: SimFlash;
  /** When EN rose (or the chip restarted) for this boot, in performance.timeOrigin + now() ms. */
  readonly resetAt: number;
  /** Queues bytes on the UART's TX line; resolves once they have left it (or were dropped by a reset). */
  print(bytes: Uint8Array): Promise<void>;
  /** esp_restart() and friends: the TX FIFO drains, `text` (a panic) is printed, then the ROM restarts. */
  restart(how: { reason: 'SW_CPU' | 'DEEPSLEEP'; cause: ResetCause; text?: string; offMs?: number }): void;
  /** Whether this boot is still the chip's current one. */
  readonly alive: boolean;
}

export interface ChipRuntime {
  /** The bootloader jumped into a MicroPython app. */
  boot(chip: ChipHandle, cause: ResetCause): void;
  /** The chip is reset or powered off: whatever ran stops now. */
  halt(): void;
  /** Bytes arriving at the chip's RX pin while the app runs. */
  receive(bytes: Uint8Array): void;
}

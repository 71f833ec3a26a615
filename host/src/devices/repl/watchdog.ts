/**
 * The Python that keeps the board's watchdog from biting during a session (docs/hardware.md §6, "the
 * watchdog trap"): Ctrl-C stops main.py but not the watchdog it started, so the first thing run is a
 * WDT with a maintenance-length timeout, fed again between steps. The object is kept in a global so a
 * later feed does not reconfigure the timer; after a soft reset the global is gone and it is made again.
 */
export const DEFAULT_MAINTENANCE_WINDOW_MS = 600_000;
export const WATCHDOG_GLOBAL = '_esp32cam_wdt';

export function watchdogFeedCode(timeoutMs: number): string {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`watchdog timeout must be a positive integer of ms, got ${timeoutMs}`);
  return [
    'try:',
    ` ${WATCHDOG_GLOBAL}.feed()`,
    'except NameError:',
    ' import machine',
    ` ${WATCHDOG_GLOBAL}=machine.WDT(timeout=${timeoutMs})`,
    ` ${WATCHDOG_GLOBAL}.feed()`,
    '',
  ].join('\n');
}

/**
 * Lines the ESP32's ROM prints, recognised inside a REPL byte stream: a reset banner means the board
 * rebooted under us; `invalid header` / `waiting for download` mean the ROM never started MicroPython.
 */
export interface ResetBanner {
  /** The ROM's reset-reason number (`rst:0xc` → 12). */
  code: number;
  /** Its name, e.g. `SW_CPU_RESET`, `TG1WDT_SYS_RESET`, `POWERON_RESET`. */
  cause: string;
  /** The strapping value after `boot:`, when the line has it. */
  boot?: number;
  line: string;
}

const RESET_LINE = /rst:0x([0-9a-f]+) \(([A-Z0-9_]+)\)(?:,boot:0x([0-9a-f]+))?/i;
const ROM_LOOP_LINE = /^(?:invalid header: 0x[0-9a-f]+|waiting for download|flash read err, \d+|ets_main\.c \d+)/i;

export function parseResetBanner(line: string): ResetBanner | undefined {
  const m = RESET_LINE.exec(line);
  if (!m) return undefined;
  const banner: ResetBanner = { code: parseInt(m[1]!, 16), cause: m[2]!, line: line.trim() };
  if (m[3] !== undefined) banner.boot = parseInt(m[3], 16);
  return banner;
}

/** A line that only the ROM prints while it fails to boot an application (or sits in download mode). */
export function isRomLoopLine(line: string): boolean {
  return ROM_LOOP_LINE.test(line.trim());
}

/**
 * Reads what an ESP32 prints after a reset, line by line, and says as soon as one line settles what the
 * boot is (docs/hardware.md §7): MicroPython's banner, the ROM waiting for a download, or a chip that
 * resets again (a second ROM reset line, or `invalid header` twice). Pure: the caller feeds the bytes it
 * read and keeps the clock; another ESP-IDF app has no banner, so for it the caller waits for its
 * start-up lines to stop (see `appLine`).
 */
import { recogniseBoardFault, type BoardFault } from './board-faults.js';

export type BootVerdict =
  /** `MicroPython v1.20.0-394-g6b522cf5e-dirty on 2023-09-06; ESP32-cam module (i2s) with ESP32` */
  | { kind: 'micropython'; version: string; line: string }
  /** GPIO0 was low at reset: the ROM waits for esptool instead of booting. */
  | { kind: 'download-mode'; line: string }
  /** The chip reset again before settling; `fault` is the last line that says why, when one did. */
  | { kind: 'boot-loop'; line: string; fault?: BoardFault }
  /** Another ESP-IDF app started (decided by the caller once its lines stop). */
  | { kind: 'app'; line: string };

const MICROPYTHON_BANNER = /^MicroPython v(\S+) on [^;]+;/;
const ROM_RESET = /^rst:0x[0-9a-fA-F]+ \([A-Z0-9_]+\),boot:0x[0-9a-fA-F]+/;
const IDF_APP = /cpu_start: |app_init: |ESP-IDF:? v\d/;
/** A line longer than this is noise (a baud mismatch), not a boot line; it is judged and dropped. */
const MAX_LINE = 512;

export class BootWatch {
  private partial = '';
  private romResets = 0;
  private invalidHeaders = 0;
  private fault: BoardFault | undefined;
  private verdict: BootVerdict | undefined;
  /** The first line of another ESP-IDF app's start-up, once one was seen. */
  appLine: string | undefined;

  /** Feeds bytes as read (latin1 text); returns the verdict once a line settles it, and keeps returning it. */
  push(text: string): BootVerdict | undefined {
    if (this.verdict) return this.verdict;
    this.partial += text;
    for (;;) {
      const end = this.partial.search(/[\r\n]/);
      if (end < 0) break;
      const line = this.partial.slice(0, end);
      this.partial = this.partial.slice(end + 1);
      this.verdict = this.judge(line);
      if (this.verdict) return this.verdict;
    }
    if (this.partial.length > MAX_LINE) this.partial = '';
    return undefined;
  }

  get result(): BootVerdict | undefined {
    return this.verdict;
  }

  private judge(raw: string): BootVerdict | undefined {
    const line = raw.trim();
    if (line.length === 0) return undefined;
    const banner = MICROPYTHON_BANNER.exec(line);
    if (banner) return { kind: 'micropython', version: banner[1]!, line };
    if (line.includes('waiting for download')) return { kind: 'download-mode', line };
    if (ROM_RESET.test(line) && ++this.romResets >= 2) return { kind: 'boot-loop', line, fault: this.fault };
    const fault = recogniseBoardFault(line);
    if (fault) {
      if (fault.kind !== 'backtrace') this.fault = fault;
      if (fault.kind === 'invalid-header' && ++this.invalidHeaders >= 2) return { kind: 'boot-loop', line, fault };
    }
    if (this.appLine === undefined && IDF_APP.test(line)) this.appLine = line;
    return undefined;
  }
}

/**
 * Lines a failing ESP32-CAM prints on its UART, recognised one at a time (docs/hardware.md §9). Pure: the
 * caller splits the serial stream into lines and decides what a run of them means.
 */
export type BoardFault =
  /** The supply sagged below the detector's threshold; its interrupt restarts the chip (the ROM then says SW_CPU_RESET). */
  | { kind: 'brownout'; line: string }
  /** esp32-camera could not talk to the sensor over SCCB: `code` is the esp_err_t (0x105 not found, 0x20004 not supported…). */
  | { kind: 'camera-probe'; code: number; line: string }
  /** The sensor answered with an id esp32-camera does not support (a different or damaged module). */
  | { kind: 'camera-unsupported'; line: string }
  /** The camera driver's init failed, with the code when the line has one. */
  | { kind: 'camera-init'; code?: number; line: string }
  /** The PSRAM did not answer: a board without it, or a broken one; the camera needs it for its frame buffers. */
  | { kind: 'no-psram'; line: string }
  /** The ROM found no valid app header: an erased or overwritten flash, or the wrong boot mode (GPIO12 pulled up). */
  | { kind: 'invalid-header'; word: string; line: string }
  /** A CPU exception: the firmware crashed. */
  | { kind: 'panic'; core: number; reason: string; line: string }
  /** The panic's backtrace: PC:SP pairs, to decode against the firmware's ELF. */
  | { kind: 'backtrace'; frames: string[]; line: string }
  /** A task kept the CPU too long; with panic on, the chip resets. */
  | { kind: 'task-watchdog'; line: string };

const HEX = '0x[0-9a-fA-F]+';
/** ESP-IDF colours its log lines; the escape byte is built from its code so no control character sits in the source. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');
const PROBE = new RegExp(`Camera probe failed with error (${HEX})`);
const CAMERA_INIT = new RegExp(`[Cc]amera init(?:ialization)? failed(?: with error (${HEX}))?`, 'i');
const INVALID_HEADER = new RegExp(`invalid header: (${HEX})`);
const PANIC = /Guru Meditation Error: Core\s+(\d+) panic'ed \(([^)]+)\)/;
const BACKTRACE = /^\s*Backtrace:\s*((?:0x[0-9a-fA-F]+:0x[0-9a-fA-F]+\s*)+)/;

/** What a line says about the board's health, or undefined for an ordinary line. */
export function recogniseBoardFault(raw: string): BoardFault | undefined {
  const line = raw.replace(ANSI_COLOUR, '').trim();
  if (line.length === 0 || line.length > 1024) return undefined;
  if (line.includes('Brownout detector was triggered')) return { kind: 'brownout', line };
  const probe = PROBE.exec(line);
  if (probe) return { kind: 'camera-probe', code: parseInt(probe[1]!, 16), line };
  if (line.includes('Detected camera not supported')) return { kind: 'camera-unsupported', line };
  const init = CAMERA_INIT.exec(line);
  if (init) return init[1] === undefined ? { kind: 'camera-init', line } : { kind: 'camera-init', code: parseInt(init[1], 16), line };
  if (line.includes('PSRAM ID read error') || line.includes('Failed to init external RAM')) return { kind: 'no-psram', line };
  const header = INVALID_HEADER.exec(line);
  if (header) return { kind: 'invalid-header', word: header[1]!.toLowerCase(), line };
  const panic = PANIC.exec(line);
  if (panic) return { kind: 'panic', core: Number(panic[1]), reason: panic[2]!, line };
  const backtrace = BACKTRACE.exec(line);
  if (backtrace) return { kind: 'backtrace', frames: backtrace[1]!.trim().split(/\s+/), line };
  if (line.includes('Task watchdog got triggered')) return { kind: 'task-watchdog', line };
  return undefined;
}

/**
 * The bytes of MicroPython's raw REPL and raw-paste mode (shared/runtime/pyexec.c; docs/hardware.md §6).
 */
export const CTRL_A = 0x01;
export const CTRL_B = 0x02;
export const CTRL_C = 0x03;
export const CTRL_D = 0x04;
export const CTRL_E = 0x05;

/** `\r` first so a half-typed friendly-REPL line is ended; Ctrl-C twice also breaks a `try/except KeyboardInterrupt` loop. */
export const INTERRUPT = Uint8Array.of(0x0d, CTRL_C, CTRL_C);
export const ENTER_RAW = Uint8Array.of(0x0d, CTRL_A);
export const EXIT_RAW = Uint8Array.of(0x0d, CTRL_B);
/** Ends the code in raw mode, ends raw-paste data, and (at an empty raw prompt) asks for a soft reset. */
export const END_OF_INPUT = Uint8Array.of(CTRL_D);
/** The only interrupt a board honours while code runs: its UART handler takes Ctrl-C out of the stream. */
export const EXEC_INTERRUPT = Uint8Array.of(CTRL_C);
export const RAW_PASTE_REQUEST = Uint8Array.of(CTRL_E, 0x41 /* A */, CTRL_A);

export const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';
export const FRIENDLY_PROMPT = '>>> ';
export const SOFT_REBOOT_LINE = 'soft reboot';

/** pyexec.c sends one \x01 per window consumed; the window is half the device's stdin buffer (usually 128). */
export const RAW_PASTE_WINDOW_CREDIT = CTRL_A;
/** Plain raw mode has no flow control: mpremote writes 256 bytes at a time. */
export const RAW_CHUNK_BYTES = 256;

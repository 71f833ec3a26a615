/**
 * What the ESP32 prints on its UART at 115200 baud while it starts (docs/hardware.md §7 "Boot log"; the lines
 * are the ROM's, as quoted in esptool and esptool-js issue traces of real ESP32-D0WD boards).
 */
export const ROM_BAUD = 115200;
export const ROM_BANNER = 'ets Jun  8 2016 00:22:57\r\n\r\n';

export const RESET_REASONS = {
  POWERON: 'rst:0x1 (POWERON_RESET)',
  SW_CPU: 'rst:0xc (SW_CPU_RESET)',
  SW_SYS: 'rst:0x3 (SW_RESET)',
  DEEPSLEEP: 'rst:0x5 (DEEPSLEEP_RESET)',
  TG0WDT: 'rst:0x7 (TG0WDT_SYS_RESET)',
  RTCWDT: 'rst:0x10 (RTCWDT_RTC_RESET)',
} as const;
export type ResetReason = keyof typeof RESET_REASONS;

/** The strapping value the ROM prints after `boot:` — GPIO0 low gives download mode. */
export const STRAP_FLASH_BOOT = 0x13;
export const STRAP_DOWNLOAD = 0x03;

export function romResetLines(reason: ResetReason, strap: number): string {
  const mode = strap === STRAP_DOWNLOAD ? 'DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2)' : 'SPI_FAST_FLASH_BOOT';
  return `${ROM_BANNER}${RESET_REASONS[reason]},boot:0x${strap.toString(16)} (${mode})\r\n`;
}

export const WAITING_FOR_DOWNLOAD = 'waiting for download\r\n';

export function invalidHeaderLine(word: number): string {
  return `invalid header: 0x${(word >>> 0).toString(16).padStart(8, '0')}\r\n`;
}

const FLASH_MODES = ['QIO', 'QOUT', 'DIO', 'DOUT'];

/** The ROM's lines while it loads a valid second-stage bootloader from 0x1000. */
export function flashLoadLines(flashMode: number, segments: Array<{ address: number; length: number }>, entry: number): string {
  const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
  let out = 'configsip: 0, SPIWP:0xee\r\n';
  out += 'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n';
  out += `mode:${FLASH_MODES[flashMode] ?? 'DIO'}, clock div:2\r\n`;
  for (const s of segments) out += `load:${hex(s.address)},len:${s.length}\r\n`;
  out += `entry ${hex(entry)}\r\n`;
  return out;
}

/** MicroPython's friendly-REPL banner as freshev's camera build prints it, with the first prompt. */
export const MICROPYTHON_BANNER = 'MicroPython v1.20.0 on 2023-04-26; ESP32 module (camera) with ESP32\r\nType "help()" for more information.\r\n>>> ';

export const WRONG_CHIP_PANIC = "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\r\n";

/**
 * ESP-IDF's task watchdog firing with panic enabled (components/esp_system/task_wdt.c, IDF 5.0, which freshev's
 * v1.20 build uses). machine.WDT registers a *user* named `mpy_machine_wdt` (machine_wdt.c), so that is the
 * name listed; the abort address and backtrace are plausible values, not from a real dump.
 */
export function taskWatchdogPanic(ms: number): string {
  const e = (t: string): string => `E (${ms}) task_wdt: ${t}\r\n`;
  return (
    e('Task watchdog got triggered. The following tasks/users did not reset the watchdog in time:') +
    e(' - mpy_machine_wdt') +
    e('Tasks currently running:') +
    e('CPU 0: IDLE') +
    e('CPU 1: mp_task') +
    e('Aborting.') +
    '\r\nabort() was called at PC 0x400e9b0f on core 0\r\n\r\n\r\n' +
    'Backtrace: 0x40081d9e:0x3ffbe3f0 0x4008b9f9:0x3ffbe410 0x40091a3a:0x3ffbe430 0x400e9b0f:0x3ffbe4a0\r\n\r\n\r\n\r\n' +
    'ELF file SHA256: 4d5c7b8a2f6e1c30\r\n\r\nRebooting...\r\n'
  );
}

/**
 * A CPU exception in the app, as ESP-IDF's panic handler prints it (components/esp_system/panic.c and the
 * fatal-errors guide): the reason line, a register dump, the backtrace, then the restart. LoadProhibited (a
 * read through a bad pointer, EXCVADDR 0) is the usual one; the addresses are plausible values, not a real dump.
 */
export function guruMeditationPanic(reason = 'LoadProhibited'): string {
  return (
    `Guru Meditation Error: Core  1 panic'ed (${reason}). Exception was unhandled.\r\n\r\n` +
    'Core  1 register dump:\r\n' +
    'PC      : 0x400d5b8e  PS      : 0x00060c30  A0      : 0x800d2f1c  A1      : 0x3ffb1f50  \r\n' +
    'A2      : 0x00000000  A3      : 0x3ffb8a74  A4      : 0x00000001  A5      : 0x3ffb1f70  \r\n' +
    'EXCVADDR: 0x00000000  LBEG    : 0x4000c2e0  LEND    : 0x4000c2f6  LCOUNT  : 0xffffffff  \r\n\r\n\r\n' +
    'Backtrace: 0x400d5b8b:0x3ffb1f50 0x400d2f19:0x3ffb1f80 0x400e1a6d:0x3ffb1fb0 0x4008c3e1:0x3ffb1fd0\r\n\r\n\r\n\r\n' +
    'ELF file SHA256: 4d5c7b8a2f6e1c30\r\n\r\nRebooting...\r\n'
  );
}

/**
 * The brownout detector's interrupt on the ESP32 (ESP-IDF 5.0 components/esp_system/port/brownout.c): it
 * prints this with esp_rom_printf, no log prefix, sets the reset hint ESP_RST_BROWNOUT and restarts the chip in
 * software, so the ROM then reports SW_CPU_RESET, not the hardware detector's own RTCWDT_BROWN_OUT_RESET.
 */
export const BROWNOUT_TEXT = '\r\nBrownout detector was triggered\r\n\r\n';

/**
 * A board whose PSRAM does not answer: ESP-IDF 5.0's quad PSRAM driver (esp_psram_impl_quad.c) logs this
 * early in start-up; MicroPython's SPIRAM builds set CONFIG_SPIRAM_IGNORE_NOTFOUND, so the app starts anyway.
 */
export function psramMissingLine(ms: number): string {
  return `E (${ms}) quad_psram: PSRAM ID read error: 0xffffffff, PSRAM chip not found or not supported, or wrong PSRAM line mode\r\n`;
}

/** An app that is not MicroPython: what ESP-IDF's app start-up prints about it (cpu_start at INFO level). */
export function otherAppLines(projectName: string, version: string, idfVersion: string): string {
  return (
    `I (312) cpu_start: Project name:     ${projectName}\r\n` +
    `I (317) cpu_start: App version:      ${version}\r\n` +
    `I (323) cpu_start: ESP-IDF:          ${idfVersion}\r\n`
  );
}

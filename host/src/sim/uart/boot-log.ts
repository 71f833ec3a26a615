/**
 * What the ESP32 prints on its UART at 115200 baud while it starts (hardware-facts §5 "Boot log"; the lines
 * are the ROM's, as quoted in esptool and esptool-js issue traces of real ESP32-D0WD boards).
 */
export const ROM_BAUD = 115200;
export const ROM_BANNER = 'ets Jun  8 2016 00:22:57\r\n\r\n';

export const RESET_REASONS = {
  POWERON: 'rst:0x1 (POWERON_RESET)',
  SW_CPU: 'rst:0xc (SW_CPU_RESET)',
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

/** MicroPython's start-up banner as freshev's camera build prints it (the REPL itself arrives in issue 4). */
export const MICROPYTHON_BANNER =
  'MicroPython v1.20.0 on 2023-04-26; ESP32 module (camera) with ESP32\r\nType "help()" for more information.\r\n>>> ';

export const WRONG_CHIP_PANIC = "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\r\n";

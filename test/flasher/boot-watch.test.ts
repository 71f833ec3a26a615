/** BootWatch, line by line, on boot logs as the ESP32 ROM, ESP-IDF and MicroPython print them, cut into arbitrary reads. */
import { describe, expect, it } from 'vitest';
import { BootWatch, type BootVerdict } from '../../protocol/src/boot-log/index.js';

const ROM = [
  'ets Jun  8 2016 00:22:57',
  '',
  'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
  'configsip: 0, SPIWP:0xee',
  'mode:DIO, clock div:2',
  'load:0x3fff0030,len:4540',
  'entry 0x400805f0',
].join('\r\n');
const BANNER = 'MicroPython v1.20.0-394-g6b522cf5e-dirty on 2023-09-06; ESP32-cam module (i2s) with ESP32\r\nType "help()" for more information.\r\n>>> ';

/** Feeds `text` in reads of `size` bytes; the verdict and how much had been read when it came. */
function feed(text: string, size: number): { verdict: BootVerdict | undefined; readWhenDecided: number; watch: BootWatch } {
  const watch = new BootWatch();
  for (let at = 0; at < text.length; at += size) {
    const verdict = watch.push(text.slice(at, at + size));
    if (verdict) return { verdict, readWhenDecided: Math.min(text.length, at + size), watch };
  }
  return { verdict: undefined, readWhenDecided: text.length, watch };
}

describe('BootWatch', () => {
  it('decides MicroPython on the banner line, whatever the reads, and not before the line is whole', () => {
    const log = `${ROM}\r\nI (29) boot: ESP-IDF v5.0.2 2nd stage bootloader\r\n${BANNER}`;
    const bannerEnd = log.indexOf('\r\nType');
    for (const size of [1, 7, 64, log.length]) {
      const { verdict, readWhenDecided } = feed(log, size);
      expect(verdict).toEqual({ kind: 'micropython', version: '1.20.0-394-g6b522cf5e-dirty', line: BANNER.split('\r\n')[0] });
      expect(readWhenDecided).toBeGreaterThan(bannerEnd);
      if (size === 1) expect(readWhenDecided).toBe(bannerEnd + 1);
    }
    expect(feed(`${ROM}\r\nMicroPython v1.20.0 on 2023-04-26; ESP32 module (camera) with ESP32`, 16).verdict).toBeUndefined();
  });

  it('decides a boot loop on the second ROM reset line, naming the fault that caused it', () => {
    const log = `${ROM}\r\nBrownout detector was triggered\r\n\r\n${ROM}\r\n`;
    const { verdict } = feed(log, 13);
    expect(verdict).toMatchObject({ kind: 'boot-loop', line: 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', fault: { kind: 'brownout' } });
  });

  it('decides a boot loop on the second invalid header of an erased flash', () => {
    const log = 'rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\ninvalid header: 0xffffffff\r\n';
    const once = feed(log.split('\r\n').slice(0, 2).join('\r\n') + '\r\n', 5);
    expect(once.verdict).toBeUndefined();
    expect(feed(log, 5).verdict).toMatchObject({ kind: 'boot-loop', fault: { kind: 'invalid-header', word: '0xffffffff' } });
  });

  it('decides download mode on the ROM waiting for esptool', () => {
    const log = 'rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';
    expect(feed(log, 3).verdict).toMatchObject({ kind: 'download-mode', line: 'waiting for download' });
  });

  it('notes the first start-up line of another ESP-IDF app and leaves the verdict to the quiet that follows', () => {
    const log = `${ROM}\r\nI (31) cpu_start: Pro cpu up.\r\nI (47) cpu_start: Application information:\r\n`;
    const { verdict, watch } = feed(log, 10);
    expect(verdict).toBeUndefined();
    expect(watch.appLine).toBe('I (31) cpu_start: Pro cpu up.');
  });

  it('drops a line of noise that never ends (a baud mismatch) without growing', () => {
    const watch = new BootWatch();
    for (let i = 0; i < 100; i++) expect(watch.push('\xff\xfe\x80'.repeat(50))).toBeUndefined();
    expect(watch.push(`\n${BANNER}`)).toMatchObject({ kind: 'micropython' });
  });
});

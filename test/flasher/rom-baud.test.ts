import { describe, expect, it } from 'vitest';
import { romBaudRequest } from '../../host/src/devices/flasher/rom-baud.js';

// RTC_CALI_CFG1 holds the calibration in bits 7..31; efuse word 4's low byte is CK8M.
const cali = (value: number) => (value << 7) >>> 0;

describe('romBaudRequest', () => {
  it('asks for the rate itself when the ROM measured the 40 MHz crystal exactly', () => {
    // 2048 * 15625 * 50 / 40 = 40 MHz.
    expect(romBaudRequest(921600, cali(2048), 0x532)).toBe(921600);
  });

  it('scales the request by the error of the ROM’s measurement', () => {
    // 2100 * 15625 * 50 / 40 = 41.015625 MHz: the ROM divides by a clock 2.5 % too fast, so it is asked for 2.5 % more.
    expect(romBaudRequest(921600, cali(2100), 0x32)).toBe(Math.floor((921600 * 41_015_625) / 40_000_000));
  });

  it('takes a measurement far below 33 MHz for a 26 MHz crystal', () => {
    // 1331 * 15625 * 50 / 40 ≈ 25.996 MHz.
    const request = romBaudRequest(460800, cali(1331), 0x32);
    expect(request).toBe(Math.floor((460800 * ((1331 * 15625 * 50) / 40)) / 26_000_000));
    expect(request).toBeLessThan(460800);
  });

  it('gives up on registers that say nothing (no calibration, no CK8M efuse)', () => {
    expect(romBaudRequest(921600, 0, 0x32)).toBeUndefined();
    expect(romBaudRequest(921600, cali(2048), 0)).toBeUndefined();
  });
});

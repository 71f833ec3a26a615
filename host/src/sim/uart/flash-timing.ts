/**
 * How long the board's flash work takes, from a W25Q32's typical datasheet figures: 45 ms per 4 KB sector
 * erase, 150 ms per 64 KB block erase, 0.7 ms per 256-byte page, about 10 s for the whole chip, and reads
 * at 40 MHz DIO (~10 MB/s). With `instant` everything takes no time, for tests that only care about bytes.
 */
import { FLASH_SECTOR } from '../../../../protocol/src/rom/index.js';

export const FLASH_BLOCK_64K = 0x10000;

export interface FlashTiming {
  /** Erasing [offset, offset+length) the way the ROM and the stub do it: sectors up to a 64 KB boundary, then blocks, then sectors. */
  eraseMs(offset: number, length: number): number;
  chipEraseMs(size: number): number;
  programMs(length: number): number;
  readMs(length: number): number;
}

export type FlashTimingName = 'realistic' | 'instant';

export const REALISTIC_TIMING: FlashTiming = {
  eraseMs(offset, length) {
    let ms = 0;
    let at = Math.floor(offset / FLASH_SECTOR) * FLASH_SECTOR;
    const end = offset + length;
    while (at < end) {
      if (at % FLASH_BLOCK_64K === 0 && end - at >= FLASH_BLOCK_64K) {
        ms += 150;
        at += FLASH_BLOCK_64K;
      } else {
        ms += 45;
        at += FLASH_SECTOR;
      }
    }
    return ms;
  },
  chipEraseMs: (size) => (10_000 * size) / (4 * 1024 * 1024),
  programMs: (length) => Math.ceil(length / 256) * 0.7,
  readMs: (length) => length / 10_000,
};

export const INSTANT_TIMING: FlashTiming = {
  eraseMs: () => 0,
  chipEraseMs: () => 0,
  programMs: () => 0,
  readMs: () => 0,
};

export function flashTiming(name: FlashTimingName): FlashTiming {
  return name === 'instant' ? INSTANT_TIMING : REALISTIC_TIMING;
}

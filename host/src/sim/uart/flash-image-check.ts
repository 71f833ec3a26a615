import type { SimFlash } from './flash-chip.js';

/**
 * What the ESP32 ROM finds at flash offset 0x1000 when it boots from flash: the second-stage bootloader's
 * image header (docs/hardware.md §8: magic 0xE9, segment count, flash mode, size/frequency, entry point, then
 * the 16-byte extended header with the chip id at offset 12, then `addr32 len32 data` segments).
 */
export const BOOTLOADER_OFFSET = 0x1000;
export const IMAGE_MAGIC = 0xe9;
const MAX_SEGMENTS = 16;
const ESP32_CHIP_ID = 0;

export type BootImage =
  | { kind: 'invalid'; headerWord: number }
  | { kind: 'wrong-chip'; chipId: number; flashMode: number; entry: number; segments: Array<{ address: number; length: number }> }
  | { kind: 'valid'; flashMode: number; entry: number; segments: Array<{ address: number; length: number }> };

export function inspectBootImage(flash: SimFlash): BootImage {
  const head = flash.read(BOOTLOADER_OFFSET, 24);
  const headerWord = head.readUInt32LE(0);
  const count = head[1]!;
  if (head[0] !== IMAGE_MAGIC || count === 0 || count > MAX_SEGMENTS) return { kind: 'invalid', headerWord };
  const flashMode = head[2]!;
  const entry = head.readUInt32LE(4);
  const chipId = head.readUInt16LE(12);
  const segments: Array<{ address: number; length: number }> = [];
  let at = BOOTLOADER_OFFSET + 24;
  for (let i = 0; i < count; i++) {
    if (!flash.contains(at, 8)) return { kind: 'invalid', headerWord };
    const seg = flash.read(at, 8);
    const address = seg.readUInt32LE(0);
    const length = seg.readUInt32LE(4);
    if (length > flash.size || !flash.contains(at + 8, length)) return { kind: 'invalid', headerWord };
    segments.push({ address, length });
    at += 8 + length;
  }
  if (chipId !== ESP32_CHIP_ID) return { kind: 'wrong-chip', chipId, flashMode, entry, segments };
  return { kind: 'valid', flashMode, entry, segments };
}

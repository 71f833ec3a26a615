/**
 * What ESP-IDF's second-stage bootloader does once the ROM has started it: read the partition table at
 * 0x8000, pick the factory app (or the first app), check its image, and jump to it. MicroPython's builds run
 * it with the log level at WARN, so a good boot prints nothing and a failed one prints its `E (...)` lines
 * (bootloader_support: bootloader_utility.c, esp_image_format.c; flash_partitions.c) and resets.
 */
import { defaultAppPartition, readImage, readPartitionTable } from '../../../../protocol/src/esp-image/index.js';
import { readAppDescriptor, type AppDescriptor } from './firmware-builder.js';
import type { SimFlash } from './flash-chip.js';
import { PARTITION_TABLE_OFFSET } from './factory-image.js';

export type AppBoot = { kind: 'micropython' | 'other'; offset: number; desc: AppDescriptor } | { kind: 'none'; errors: string[] };

/** Whether an app is MicroPython: its descriptor names the `micropython` project. */
export const MICROPYTHON_PROJECT = 'micropython';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** `ms` is the bootloader's log timestamp of the first line. */
export function findBootApp(flash: SimFlash, ms: number): AppBoot {
  const e = (tag: string, text: string): string => `E (${ms++}) ${tag}: ${text}`;
  const table = readPartitionTable(flash.read(PARTITION_TABLE_OFFSET, 0xc00), 0);
  if (!table) {
    const magic = flash.read(PARTITION_TABLE_OFFSET, 2).readUInt16LE(0);
    return {
      kind: 'none',
      errors: [
        e('flash_parts', `partition 0 invalid magic number ${hex(magic)}`),
        e('boot', 'Failed to verify partition table'),
        e('boot', 'load partition table error!'),
      ],
    };
  }
  const part = defaultAppPartition(table.entries);
  if (!part || !flash.contains(part.offset, Math.min(part.size, flash.size - part.offset))) {
    return { kind: 'none', errors: [e('boot', 'No bootable app partitions in the partition table')] };
  }
  const bytes = flash.read(part.offset, Math.min(part.size, flash.size - part.offset));
  const image = readImage(bytes, 0, 'esp32');
  const desc = image.ok && image.header.segments[0] ? readAppDescriptor(bytes, image.header.segments[0].fileOffset) : undefined;
  if (!image.ok || !desc || image.header.chipId !== 0) {
    const why =
      bytes[0] !== 0xe9
        ? `image at ${hex(part.offset)} has invalid magic byte (nothing flashed here?)`
        : image.ok
          ? `image at ${hex(part.offset)} is not a valid app for this chip`
          : `image at ${hex(part.offset)} is corrupt: ${image.message}`;
    return {
      kind: 'none',
      errors: [
        e('esp_image', why),
        e('boot', `${part.subtype === 0 ? 'Factory' : 'OTA'} app partition is not bootable`),
        e('boot', 'No bootable app partitions in the partition table'),
      ],
    };
  }
  return { kind: desc.projectName === MICROPYTHON_PROJECT ? 'micropython' : 'other', offset: part.offset, desc };
}

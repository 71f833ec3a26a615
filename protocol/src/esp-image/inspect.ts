/**
 * `inspectImage`: what a firmware file is, decided from its bytes alone, before anything touches a board.
 * It finds the image (at byte 0, or behind 0xFF padding in a merged file), checks it the way the ROM would,
 * and for a file that carries more than a bootloader also checks the partition table and the app.
 */
import { CHIPS, DEFAULT_APP_OFFSET, PARTITION_TABLE_OFFSET } from './chips.js';
import { IMAGE_MAGIC, readImage, type ImageFailure, type ParsedImage } from './image-header.js';
import { defaultAppPartition, readPartitionTable } from './partition-table.js';
import type { ImageDescription, ImageHeader, ImageInspection, ImageRefusal, PartitionTable } from './types.js';

/** A merged file pads with 0xFF up to the bootloader's flash offset, which is one of these. */
const MERGED_HEADER_OFFSETS = [0x1000, 0x2000] as const;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** What to do about each way a file can fail inspection (planning adds its own reasons, with their hints). */
const HINTS: Partial<Record<ImageRefusal['reason'], string>> = {
  empty: 'Download the firmware again: an empty file usually means the download failed.',
  'not-an-image': "Choose the firmware .bin: for the ESP32-CAM, freshev's firmware_camera.bin or micropython.org's esp32-*.bin.",
  'bad-header': 'The file is damaged or is not a firmware image: download it again.',
  'bad-segments': 'The file is damaged or is not a firmware image: download it again.',
  'unknown-chip': 'The file is damaged or is not a firmware image: download it again.',
  truncated: 'Download the firmware again and compare its size with the published one.',
  'bad-checksum': 'The file is corrupt: download it again.',
  'bad-sha256': 'The file is corrupt: download it again.',
};

function refuse(size: number, failure: ImageFailure): ImageRefusal {
  return {
    ok: false,
    code: 'E_BAD_IMAGE',
    reason: failure.reason,
    message: failure.message,
    hint: failure.hint ?? HINTS[failure.reason] ?? 'Download the firmware again.',
    size,
  };
}

/** A guess at what a non-image file is, so that the refusal can name it. */
function describeForeignFile(bytes: Uint8Array): string {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG picture';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG picture';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive: unpack it and choose the .bin inside';
  if (starts(0xaa, 0x50)) return 'a partition table: it goes at 0x8000, after the bootloader';
  if (starts(0x1f, 0x8b)) return 'a gzip archive: unpack it and choose the .bin inside';
  if (starts(0x7f, 0x45, 0x4c, 0x46)) return 'an ELF file: flash the .bin that the build made from it';
  if (starts(0x3a) && bytes.length > 10) return 'an Intel HEX file';
  if (bytes.every((b) => b === 0xff)) return 'only 0xFF bytes, like an erased flash';
  const sample = bytes.subarray(0, 512);
  if (sample.every((b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f))) return 'a text file';
  const first = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  return `it starts with ${first}`;
}

/** Where the first image header is, and which layout that means; undefined when there is none. */
function findHeader(bytes: Uint8Array): { start: number; layout: 'single' | 'merged' } | undefined {
  if (bytes[0] === IMAGE_MAGIC) return { start: 0, layout: 'single' };
  for (const at of MERGED_HEADER_OFFSETS) {
    if (bytes.length > at && bytes[at] === IMAGE_MAGIC && bytes.subarray(0, at).every((b) => b === 0xff)) {
      return { start: at, layout: 'merged' };
    }
  }
  return undefined;
}

/**
 * Reads the image at `start`, as an ESP32-family image and, failing that in a way an ESP8266 image would
 * (no known chip id where the extended header would be), as an ESP8266 one.
 */
function readFirstImage(bytes: Uint8Array, start: number): ParsedImage {
  const asEsp32 = readImage(bytes, start, 'esp32');
  if (asEsp32.ok || start !== 0 || (asEsp32.reason !== 'unknown-chip' && asEsp32.reason !== 'bad-header')) {
    return asEsp32;
  }
  const asEsp8266 = readImage(bytes, start, 'esp8266');
  return asEsp8266.ok ? asEsp8266 : asEsp32;
}

function flashBaseOf(layout: 'single' | 'merged', image: ImageHeader): number {
  if (layout === 'merged') return 0;
  if (image.kind === 'app' && image.chip !== 'esp8266') return DEFAULT_APP_OFFSET;
  return CHIPS[image.chip].bootloaderOffset;
}

export function inspectImage(bytes: Uint8Array): ImageInspection {
  const size = bytes.length;
  if (size === 0) return refuse(0, { reason: 'empty', message: 'The file is empty (0 bytes)' });
  const found = findHeader(bytes);
  if (!found) {
    return refuse(size, {
      reason: 'not-an-image',
      message: `This file is not an ESP firmware image (${describeForeignFile(bytes)})`,
    });
  }
  const first = readFirstImage(bytes, found.start);
  if (!first.ok) return refuse(size, first);
  const image = first.header;
  const flashBase = flashBaseOf(found.layout, image);
  const notes: string[] = [];
  if (found.layout === 'merged' && found.start !== CHIPS[image.chip].bootloaderOffset) {
    notes.push(`the bootloader sits at ${hex(found.start)}, but an ${CHIPS[image.chip].label} loads it from ${hex(CHIPS[image.chip].bootloaderOffset)}`);
  }

  let partitionTable: PartitionTable | undefined;
  let app: ImageHeader | undefined;
  if (image.kind === 'bootloader' && image.chip !== 'esp8266') {
    const rest = readTableAndApp(bytes, image, flashBase, notes);
    if ('ok' in rest) return rest;
    ({ partitionTable, app } = rest);
  }

  const description: ImageDescription = {
    ok: true,
    size,
    layout: found.layout,
    chip: image.chip,
    image,
    flashBase,
    partitionTable,
    app,
    notes,
  };
  return description;
}

/** What follows a bootloader in a file that holds more than one: the partition table, then the app. */
function readTableAndApp(
  bytes: Uint8Array,
  image: ImageHeader,
  flashBase: number,
  notes: string[],
): { partitionTable: PartitionTable | undefined; app: ImageHeader | undefined } | ImageRefusal {
  const size = bytes.length;
  const tableAt = PARTITION_TABLE_OFFSET - flashBase;
  if (size <= tableAt) {
    notes.push(`the file ends before the partition table at ${hex(PARTITION_TABLE_OFFSET)}: it holds a bootloader only`);
    return { partitionTable: undefined, app: undefined };
  }
  const table = readPartitionTable(bytes, tableAt);
  const partitionTable = table && { flashOffset: PARTITION_TABLE_OFFSET, fileOffset: tableAt, ...table };
  if (!partitionTable) notes.push(`no partition table at ${hex(PARTITION_TABLE_OFFSET)}`);
  const appFlashOffset = (partitionTable && defaultAppPartition(partitionTable.entries)?.offset) ?? DEFAULT_APP_OFFSET;
  const appAt = appFlashOffset - flashBase;
  if (size <= appAt) {
    notes.push(`the file ends before the app at ${hex(appFlashOffset)}`);
    return { partitionTable, app: undefined };
  }
  if (bytes[appAt] !== IMAGE_MAGIC) {
    notes.push(`no app image at ${hex(appFlashOffset)}`);
    return { partitionTable, app: undefined };
  }
  const parsed = readImage(bytes, appAt, 'esp32');
  if (!parsed.ok) return refuse(size, { ...parsed, message: `The app at ${hex(appFlashOffset)}: ${lowerFirst(parsed.message)}` });
  if (parsed.header.chip !== image.chip) {
    return refuse(size, {
      reason: 'bad-header',
      message: `The file mixes chips: its bootloader is for the ${CHIPS[image.chip].label} but its app is for the ${CHIPS[parsed.header.chip].label}`,
    });
  }
  return { partitionTable, app: parsed.header };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

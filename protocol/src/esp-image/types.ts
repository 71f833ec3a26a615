import type { ChipName } from './chips.js';

/** The error codes an image check can end with; each is also an ErrorCode of host/src/errors.ts. */
export type ImageErrorCode = 'E_BAD_IMAGE' | 'E_WRONG_CHIP' | 'E_WRONG_OFFSET' | 'E_IMAGE_TOO_LARGE';

/** Why a file cannot be flashed as it is: a stable code and reason, one line saying what, one saying what to do. */
export interface ImageRefusal {
  ok: false;
  code: ImageErrorCode;
  reason:
    | 'empty'
    | 'not-an-image'
    | 'bad-header'
    | 'bad-segments'
    | 'truncated'
    | 'bad-checksum'
    | 'bad-sha256'
    | 'unknown-chip'
    | 'wrong-chip'
    | 'wrong-offset'
    | 'unaligned-offset'
    | 'no-offset'
    | 'too-large';
  message: string;
  hint: string;
  /** The file's size, so that a forced flash of a refused file still knows what it writes. */
  size: number;
}

export type FlashMode = 'qio' | 'qout' | 'dio' | 'dout';

export interface ImageSegment {
  /** The load address in the chip's memory map. */
  address: number;
  length: number;
  /** Where the segment's data starts in the file. */
  fileOffset: number;
}

/** One image (the bootloader, or an app) as its header and footer describe it. */
export interface ImageHeader {
  /** Where the 0xE9 magic sits in the file. */
  fileOffset: number;
  /** `esp8266` images have no extended header; the others name their chip in it. */
  chip: ChipName;
  chipId: number | undefined;
  /** An ESP-IDF app (its first segment starts with the app descriptor) or anything else, i.e. a bootloader. */
  kind: 'bootloader' | 'app';
  flashMode: FlashMode | number;
  /** The flash size the image was built for, from the high nibble of byte 3. */
  flashSize: number | undefined;
  entry: number;
  segments: ImageSegment[];
  checksum: number;
  /** The SHA-256 appended after the checksum, as hex, when byte 23 says there is one. */
  sha256: string | undefined;
  minChipRevision: number | undefined;
  maxChipRevision: number | undefined;
  /** Where the image ends in the file: after its checksum byte and, if any, its SHA-256. */
  end: number;
}

export interface PartitionEntry {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
}

export interface PartitionTable {
  /** Its offset in flash (always 0x8000) and in the file. */
  flashOffset: number;
  fileOffset: number;
  entries: PartitionEntry[];
  hasMd5: boolean;
}

/** A file that holds a valid image, and what else the file was found to hold. */
export interface ImageDescription {
  ok: true;
  size: number;
  /**
   * `single`: one image starting at byte 0 (micropython.org's `esp32-*.bin`, an S3/C3 image, an app);
   * `merged`: 0xFF up to the bootloader at its flash offset, then the partition table and the app
   * (freshev's `firmware_camera.bin`), flashed at 0x0.
   */
  layout: 'single' | 'merged';
  chip: ChipName;
  image: ImageHeader;
  /**
   * The flash address of the file's first byte that the layout implies, when it implies one; the partition
   * table and app were looked for relative to it.
   */
  flashBase: number;
  partitionTable: PartitionTable | undefined;
  app: ImageHeader | undefined;
  /** What was looked for and not found, said for a human (e.g. "no partition table at 0x8000"). */
  notes: string[];
}

export type ImageInspection = ImageDescription | ImageRefusal;

/**
 * `planFlash`: where a file goes in a given board's flash, or why it must not be written there. The file's
 * own layout decides the offset; a chip, an offset or a size that contradicts it is refused, and `force`
 * turns the refusals a user may knowingly override into warnings.
 */
import { CHIPS, DEFAULT_APP_OFFSET, FLASH_SECTOR_SIZE, type ChipName } from './chips.js';
import type { ImageDescription, ImageInspection, ImageRefusal } from './types.js';

export interface PlanOptions {
  /** The chip the board reported. */
  chip: ChipName;
  offset: 'auto' | number;
  /** The board's flash size in bytes. */
  flashSize: number;
  force?: boolean;
}

export type FlashPlan = { ok: true; offset: number; length: number; warnings: ImageRefusal[] } | ImageRefusal;

const hex = (n: number): string => `0x${n.toString(16)}`;
const mb = (n: number): string => (n >= 1 << 20 ? `${n / (1 << 20)} MB` : `${n / 1024} KB`);

/** The offset the layout calls for. */
export function layoutOffset(image: ImageDescription): number {
  return image.flashBase;
}

/** Why `offset` contradicts the layout, or undefined when it does not. */
function offsetConflict(image: ImageDescription, offset: number, size: number): ImageRefusal | undefined {
  const expected = layoutOffset(image);
  const chip = CHIPS[image.chip].label;
  const refusal = (message: string, hint: string): ImageRefusal => ({
    ok: false,
    code: 'E_WRONG_OFFSET',
    reason: 'wrong-offset',
    message,
    hint,
    size,
  });
  if (image.layout === 'merged') {
    if (offset === 0) return undefined;
    return refusal(
      `This file already contains the ${hex(image.image.fileOffset)} padding (bootloader, partition table and app merged); flash it at 0x0, not ${hex(offset)}`,
      'Use --offset 0x0, or leave --offset at auto.',
    );
  }
  if (image.image.kind === 'app' && image.chip !== 'esp8266') {
    // An app may go in any app partition, all of which are 64 KB aligned and after the partition table.
    if (offset >= DEFAULT_APP_OFFSET && offset % DEFAULT_APP_OFFSET === 0) return undefined;
    return refusal(
      `This file is an app without a bootloader; it belongs in an app partition (${hex(DEFAULT_APP_OFFSET)} by default), not at ${hex(offset)}`,
      `Use --offset ${hex(DEFAULT_APP_OFFSET)}, or leave --offset at auto.`,
    );
  }
  if (offset === expected) return undefined;
  return refusal(
    `This file starts with the bootloader, which on the ${chip} goes at ${hex(expected)}, not ${hex(offset)}: the board would not boot`,
    `Use --offset ${hex(expected)}, or leave --offset at auto.`,
  );
}

function chipConflict(image: ImageDescription, chip: ChipName, size: number): ImageRefusal | undefined {
  if (image.chip === chip) return undefined;
  const built = CHIPS[image.chip].label;
  const board = CHIPS[chip].label;
  return {
    ok: false,
    code: 'E_WRONG_CHIP',
    reason: 'wrong-chip',
    message: `This firmware is built for the ${built}, but the board is an ${board}`,
    hint: `Download the firmware built for the ${board}; an ${built} image would leave the board unable to boot.`,
    size,
  };
}

export function planFlash(inspection: ImageInspection, options: PlanOptions): FlashPlan {
  const { chip, flashSize } = options;
  const force = options.force === true;
  const size = inspection.size;
  const warnings: ImageRefusal[] = [];
  /** Keeps a refusal as a warning when forced; returns it when not. */
  const forceable = (refusal: ImageRefusal | undefined): ImageRefusal | undefined => {
    if (!refusal) return undefined;
    if (force) {
      warnings.push(refusal);
      return undefined;
    }
    return refusal;
  };

  // Nothing to write: not even --force can help.
  if (!inspection.ok && inspection.reason === 'empty') return inspection;

  let offset: number;
  if (!inspection.ok) {
    // Nothing to read a layout from: only a forced write at an explicit offset can go ahead.
    if (!force) return inspection;
    if (options.offset === 'auto') {
      return {
        ok: false,
        code: 'E_BAD_IMAGE',
        reason: 'no-offset',
        message: `${inspection.message}, so its offset cannot be worked out`,
        hint: 'Give the offset with --offset to write it anyway.',
        size,
      };
    }
    warnings.push(inspection);
    offset = options.offset;
  } else {
    const wrongChip = forceable(chipConflict(inspection, chip, size));
    if (wrongChip) return wrongChip;
    if (options.offset === 'auto') {
      offset = layoutOffset(inspection);
    } else {
      offset = options.offset;
      const wrongOffset = forceable(offsetConflict(inspection, offset, size));
      if (wrongOffset) return wrongOffset;
    }
  }

  if (!Number.isInteger(offset) || offset < 0 || offset % FLASH_SECTOR_SIZE !== 0) {
    return {
      ok: false,
      code: 'E_WRONG_OFFSET',
      reason: 'unaligned-offset',
      message: `The offset ${Number.isInteger(offset) && offset >= 0 ? hex(offset) : String(offset)} is not the start of a 4 KB flash sector`,
      hint: 'Give an offset that is a multiple of 0x1000, or leave --offset at auto.',
      size,
    };
  }
  if (offset + size > flashSize) {
    return {
      ok: false,
      code: 'E_IMAGE_TOO_LARGE',
      reason: 'too-large',
      message: `The image does not fit: ${size} bytes at ${hex(offset)} end at ${hex(offset + size)}, past the ${mb(flashSize)} flash`,
      hint: 'Choose firmware built for this flash size, or a board with more flash.',
      size,
    };
  }
  return { ok: true, offset, length: size, warnings };
}

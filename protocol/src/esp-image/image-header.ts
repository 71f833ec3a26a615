/**
 * Reads one firmware image (header, extended header, segments, checksum, optional SHA-256) out of a file,
 * at a given offset, as the ROM bootloader would. esptool `firmware-image-format.rst` is the spec.
 */
import { chipFromImageChipId, type ChipName } from './chips.js';
import { sha256, toHex } from './sha256.js';
import type { FlashMode, ImageHeader, ImageRefusal, ImageSegment } from './types.js';

export const IMAGE_MAGIC = 0xe9;
export const CHECKSUM_SEED = 0xef;
/** esptool refuses more: "Invalid segment count (max 16). Usually this indicates a linker script problem." */
export const MAX_SEGMENTS = 16;
/** No segment can be bigger than the largest flash the image header can describe a chip with. */
const MAX_SEGMENT_LENGTH = 16 * 1024 * 1024;
/** ESP-IDF's `esp_app_desc_t` starts an app's first segment with this word; a bootloader has none. */
const APP_DESC_MAGIC = 0xabcd5432;

const FLASH_MODES: readonly FlashMode[] = ['qio', 'qout', 'dio', 'dout'];
const ESP8266_FLASH_SIZES: Record<number, number> = {
  0: 512 * 1024,
  1: 256 * 1024,
  2: 1 << 20,
  3: 2 << 20,
  4: 4 << 20,
  5: 2 << 20,
  6: 4 << 20,
  8: 8 << 20,
  9: 16 << 20,
};

/** Which header layout to read: the ESP8266's has no 16-byte extended header. */
export type ImageFamily = 'esp8266' | 'esp32';

export type ImageFailure = Omit<ImageRefusal, 'ok' | 'code' | 'size' | 'hint'> & { hint?: string };

export type ParsedImage = { ok: true; header: ImageHeader } | ({ ok: false } & ImageFailure);

const hex = (n: number): string => `0x${n.toString(16)}`;

function truncated(bytes: Uint8Array, what: string, at: number): ParsedImage {
  return {
    ok: false,
    reason: 'truncated',
    message: `The file is truncated: it ends at byte ${bytes.length} (${hex(bytes.length)}), inside ${what} that starts at ${hex(at)}`,
  };
}

export function readImage(bytes: Uint8Array, start: number, family: ImageFamily): ParsedImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = family === 'esp8266' ? 8 : 24;
  if (bytes.length < start + headerLength) return truncated(bytes, 'the image header', start);
  if (bytes[start] !== IMAGE_MAGIC) {
    return { ok: false, reason: 'not-an-image', message: `No image magic 0xE9 at ${hex(start)}` };
  }
  const segmentCount = bytes[start + 1]!;
  if (segmentCount === 0 || segmentCount > MAX_SEGMENTS) {
    return {
      ok: false,
      reason: 'bad-segments',
      message: `The image at ${hex(start)} declares ${segmentCount} segments (an image has 1 to ${MAX_SEGMENTS})`,
    };
  }
  const modeByte = bytes[start + 2]!;
  const sizeNibble = bytes[start + 3]! >> 4;
  const entry = view.getUint32(start + 4, true);

  let chip: ChipName = 'esp8266';
  let chipId: number | undefined;
  let hashAppended = false;
  let minChipRevision: number | undefined;
  let maxChipRevision: number | undefined;
  if (family === 'esp32') {
    chipId = view.getUint16(start + 12, true);
    const known = chipFromImageChipId(chipId);
    if (known === undefined) {
      return {
        ok: false,
        reason: 'unknown-chip',
        message: `The image at ${hex(start)} is for chip id ${chipId}, which no ESP chip has`,
      };
    }
    chip = known;
    const appendByte = bytes[start + 23]!;
    if (appendByte > 1) {
      return {
        ok: false,
        reason: 'bad-header',
        message: `The image at ${hex(start)} has ${appendByte} in its hash-appended byte (it must be 0 or 1)`,
      };
    }
    hashAppended = appendByte === 1;
    minChipRevision = view.getUint16(start + 15, true);
    maxChipRevision = view.getUint16(start + 17, true);
  }

  const segments: ImageSegment[] = [];
  let checksum = CHECKSUM_SEED;
  let pos = start + headerLength;
  for (let i = 0; i < segmentCount; i++) {
    if (bytes.length < pos + 8) return truncated(bytes, `the header of segment ${i + 1} of ${segmentCount}`, pos);
    const address = view.getUint32(pos, true);
    const length = view.getUint32(pos + 4, true);
    if (length > MAX_SEGMENT_LENGTH) {
      return {
        ok: false,
        reason: 'bad-segments',
        message: `Segment ${i + 1} of the image at ${hex(start)} claims ${length} bytes, more than any flash holds`,
      };
    }
    const fileOffset = pos + 8;
    if (bytes.length < fileOffset + length) {
      return truncated(bytes, `segment ${i + 1} of ${segmentCount} (${length} bytes for ${hex(address)})`, fileOffset);
    }
    for (let j = fileOffset; j < fileOffset + length; j++) checksum ^= bytes[j]!;
    segments.push({ address, length, fileOffset });
    pos = fileOffset + length;
  }

  // Zero padding up to one byte short of a 16-byte boundary of the image, then the checksum byte.
  const checksumAt = start + (((pos - start) | 15) >>> 0);
  if (bytes.length <= checksumAt) return truncated(bytes, 'the checksum footer', pos);
  if (bytes[checksumAt] !== checksum) {
    return {
      ok: false,
      reason: 'bad-checksum',
      message: `The image at ${hex(start)} is corrupt: its checksum byte is ${hex(bytes[checksumAt]!)} but its segments give ${hex(checksum)}`,
    };
  }
  let end = checksumAt + 1;
  let digest: string | undefined;
  if (hashAppended) {
    if (bytes.length < end + 32) return truncated(bytes, 'the appended SHA-256', end);
    const stored = toHex(bytes.subarray(end, end + 32));
    const computed = toHex(sha256(bytes.subarray(start, end)));
    if (stored !== computed) {
      return {
        ok: false,
        reason: 'bad-sha256',
        message: `The image at ${hex(start)} is corrupt: its appended SHA-256 does not match its contents`,
      };
    }
    digest = stored;
    end += 32;
  }

  const first = segments[0]!;
  const isApp = first.length >= 4 && view.getUint32(first.fileOffset, true) === APP_DESC_MAGIC;
  return {
    ok: true,
    header: {
      fileOffset: start,
      chip,
      chipId,
      kind: isApp ? 'app' : 'bootloader',
      flashMode: FLASH_MODES[modeByte] ?? modeByte,
      flashSize: family === 'esp8266' ? ESP8266_FLASH_SIZES[sizeNibble] : sizeNibble <= 7 ? (1 << 20) << sizeNibble : undefined,
      entry,
      segments,
      checksum,
      sha256: digest,
      minChipRevision,
      maxChipRevision,
      end,
    },
  };
}

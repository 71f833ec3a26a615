/**
 * Builds firmware files byte by byte, as esptool's elf2image and merge_bin lay them out, so that the image
 * checks are tested against files whose every byte the test controls.
 */
import { createHash } from 'node:crypto';

export interface SegmentSpec {
  address: number;
  data: Uint8Array;
}

export interface ImageSpec {
  /** undefined: an ESP8266 image, with no extended header. */
  chipId?: number | undefined;
  segments: SegmentSpec[];
  appendSha256?: boolean;
  flashMode?: number;
  flashSizeFreq?: number;
  entry?: number;
}

/** Deterministic filler so that checksums are not trivially 0xEF. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Filler that compresses like real firmware (code and tables repeat short runs): about 0.64 of its size under
 * deflate level 9, where micropython.org's ESP32 image gives 0.66 (1,475,584 bytes to 971,936 in esptool's log).
 */
export function firmwareLike(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < length; ) {
    if (i >= 64 && next() % 100 >= 92) {
      const back = 4 + (next() % 60);
      const run = 4 + (next() % 12);
      for (let k = 0; k < run && i < length; k++, i++) out[i] = out[i - back]!;
    } else {
      out[i++] = next() & 0xff;
    }
  }
  return out;
}

/** ESP-IDF's app descriptor magic, which starts an app's first segment. */
export const APP_DESC = Uint8Array.of(0x32, 0x54, 0xcd, 0xab);

export type Fill = 'random' | 'firmware';

export function appSegment(length: number, seed: number, fill: Fill = 'random'): Uint8Array {
  const data = fill === 'firmware' ? firmwareLike(length, seed) : pattern(length, seed);
  data.set(APP_DESC, 0);
  return data;
}

export function buildImage(spec: ImageSpec): Uint8Array {
  const parts: number[] = [];
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  parts.push(0xe9, spec.segments.length, spec.flashMode ?? 2, spec.flashSizeFreq ?? 0x20);
  u32(spec.entry ?? 0x40080400);
  if (spec.chipId !== undefined) {
    // wp pin, 3 drive bytes, chip id u16, min rev, min/max rev full u16, 4 reserved, hash appended
    parts.push(0xee, 0, 0, 0, spec.chipId & 0xff, spec.chipId >> 8, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, spec.appendSha256 ? 1 : 0);
  }
  let checksum = 0xef;
  for (const seg of spec.segments) {
    u32(seg.address);
    u32(seg.data.length);
    for (const b of seg.data) {
      parts.push(b);
      checksum ^= b;
    }
  }
  while (parts.length % 16 !== 15) parts.push(0);
  parts.push(checksum);
  const body = Uint8Array.from(parts);
  if (!spec.appendSha256) return body;
  const digest = createHash('sha256').update(body).digest();
  return concat(body, new Uint8Array(digest));
}

export function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface PartitionSpec {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
}

export const DEFAULT_PARTITIONS: PartitionSpec[] = [
  { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
  { label: 'phy_init', type: 1, subtype: 1, offset: 0xf000, size: 0x1000 },
  { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x1f0000 },
];

export function buildPartitionTable(partitions: PartitionSpec[], withMd5 = true): Uint8Array {
  const out = new Uint8Array(0xc00).fill(0xff);
  const view = new DataView(out.buffer);
  partitions.forEach((p, i) => {
    const at = i * 32;
    out.set([0xaa, 0x50, p.type, p.subtype], at);
    view.setUint32(at + 4, p.offset, true);
    view.setUint32(at + 8, p.size, true);
    out.fill(0, at + 12, at + 28);
    out.set(Array.from(p.label, (c) => c.charCodeAt(0)), at + 12);
    view.setUint32(at + 28, 0, true);
  });
  if (withMd5) {
    const at = partitions.length * 32;
    out.set([0xeb, 0xeb], at);
    out.set(createHash('md5').update(out.subarray(0, at)).digest(), at + 16);
  }
  return out;
}

/** Places `chunks` at the given file offsets over 0xFF, like esptool merge_bin. */
export function layOut(size: number, chunks: Array<[number, Uint8Array]>): Uint8Array {
  const out = new Uint8Array(size).fill(0xff);
  for (const [at, data] of chunks) out.set(data, at);
  return out;
}

export const bootloader = (chipId = 0, appendSha256 = true): Uint8Array =>
  buildImage({
    chipId,
    appendSha256,
    entry: 0x40080400,
    segments: [
      { address: 0x3fff0030, data: pattern(0x2a4, 1) },
      { address: 0x40078000, data: pattern(0x3d18, 2) },
      { address: 0x40080400, data: pattern(0x0ab6, 3) },
    ],
  });

export const app = (chipId = 0, size = 0x8000, fill: Fill = 'random'): Uint8Array =>
  buildImage({
    chipId,
    appendSha256: true,
    entry: 0x400810c0,
    segments: [
      { address: 0x3f400020, data: appSegment(size, 4, fill) },
      { address: 0x400d0020, data: pattern(0x1000, 5) },
    ],
  });

/** freshev's firmware_camera.bin: 0xFF to 0x1000, the bootloader, the table at 0x8000, the app at 0x10000. */
export function mergedImage(chipId = 0, appSize = 0x8000, fill: Fill = 'random'): Uint8Array {
  const theApp = app(chipId, appSize, fill);
  return layOut(0x10000 + theApp.length, [
    [0x1000, bootloader(chipId)],
    [0x8000, buildPartitionTable(DEFAULT_PARTITIONS)],
    [0x10000, theApp],
  ]);
}

/** micropython.org's esp32-*.bin: the same, without the first 0x1000 bytes; it is flashed at 0x1000. */
export function micropythonImage(chipId = 0): Uint8Array {
  return mergedImage(chipId).subarray(0x1000).slice();
}

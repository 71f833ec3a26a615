/**
 * Builds ESP32 flash content byte by byte, as esptool's elf2image, gen_esp32part.py and merge_bin lay it out
 * (docs/hardware.md §8; ESP-IDF `esp_app_format.h` for the app descriptor). The simulator makes its factory
 * flash with it, and the tests make the firmware files they flash.
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

export function buildImage(spec: ImageSpec): Uint8Array {
  const parts: number[] = [];
  const u32 = (n: number): void => void parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
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
  return concat(body, new Uint8Array(createHash('sha256').update(body).digest()));
}

/** Deterministic bytes that are not all one value (xorshift32), so image checksums mean something. */
export function xorshiftFill(length: number, seed: number): Uint8Array {
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

/** The 0xC00-byte table region: 32-byte entries, the MD5 row, 0xFF after. */
export function buildPartitionTable(partitions: PartitionSpec[], withMd5 = true): Uint8Array {
  const out = new Uint8Array(0xc00).fill(0xff);
  const view = new DataView(out.buffer);
  partitions.forEach((p, i) => {
    const at = i * 32;
    out.set([0xaa, 0x50, p.type, p.subtype], at);
    view.setUint32(at + 4, p.offset, true);
    view.setUint32(at + 8, p.size, true);
    out.fill(0, at + 12, at + 28);
    out.set(
      Array.from(p.label, (c) => c.charCodeAt(0)),
      at + 12,
    );
    view.setUint32(at + 28, 0, true);
  });
  if (withMd5) {
    const at = partitions.length * 32;
    out.set([0xeb, 0xeb], at);
    out.set(createHash('md5').update(out.subarray(0, at)).digest(), at + 16);
  }
  return out;
}

/** Places `chunks` at the given offsets over 0xFF, like esptool merge_bin. */
export function layOut(size: number, chunks: Array<[number, Uint8Array]>): Uint8Array {
  const out = new Uint8Array(size).fill(0xff);
  for (const [at, data] of chunks) out.set(data, at);
  return out;
}

// ---- esp_app_desc_t ------------------------------------------------------------------------------------

export const APP_DESC_MAGIC = 0xabcd5432;
/** sizeof(esp_app_desc_t): magic, secure_version, 2 reserved words, version[32], project_name[32], time[16], date[16], idf_ver[32], app_elf_sha256[32], 20 reserved words. */
export const APP_DESC_SIZE = 256;

export interface AppDescriptor {
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
}

const FIELDS = [
  ['version', 16, 32],
  ['projectName', 48, 32],
  ['time', 80, 16],
  ['date', 96, 16],
  ['idfVersion', 112, 32],
] as const;

/** The descriptor ESP-IDF puts at the start of an app's first (DROM) segment. */
export function appDescriptor(desc: AppDescriptor): Uint8Array {
  const out = new Uint8Array(APP_DESC_SIZE);
  new DataView(out.buffer).setUint32(0, APP_DESC_MAGIC, true);
  for (const [key, at, len] of FIELDS) {
    const text = Buffer.from(desc[key], 'latin1').subarray(0, len - 1);
    out.set(text, at);
  }
  return out;
}

/** The descriptor at `at`, or undefined when its magic is not there. */
export function readAppDescriptor(bytes: Uint8Array, at: number): AppDescriptor | undefined {
  if (at < 0 || at + APP_DESC_SIZE > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(at, true) !== APP_DESC_MAGIC) return undefined;
  const field = (off: number, len: number): string => {
    const raw = bytes.subarray(at + off, at + off + len);
    const nul = raw.indexOf(0);
    return Buffer.from(raw.subarray(0, nul < 0 ? len : nul)).toString('latin1');
  };
  const out: Partial<AppDescriptor> = {};
  for (const [key, off, len] of FIELDS) out[key] = field(off, len);
  return out as AppDescriptor;
}

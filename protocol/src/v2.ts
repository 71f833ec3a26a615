/**
 * Protocol 2 (`esp32cam/2`), this project's framing on top of the same slave address. See protocol/README.md.
 * Requests:  A5 5A seq op n args[n] crc8
 * Replies:   A5 5A seq status len16 payload[len] crc32
 */
import { crc32, crc8 } from './crc.js';
import { STATUS_DATA, STATUS_FAILED, STATUS_OK } from './legacy.js';

export const MAGIC0 = 0xa5;
export const MAGIC1 = 0x5a;
export const PROTOCOL_VERSION = 2;

export const Op = {
  HELLO: 0x01,
  CAPTURE: 0x02,
  READ: 0x03,
  FLASH: 0x04,
  STATUS: 0x05,
  /** The slave rebuilds its I2C slave, which empties its TX ring; it NACKs meanwhile, then answers 200. */
  RESYNC: 0x06,
  /** Applies camera settings, each a (setting id u8, value i16) pair; answers the values the slave now holds. */
  SETTINGS: 0x07,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const REPLY_HEADER_LENGTH = 6;
export const REPLY_TRAILER_LENGTH = 4;
/** Header plus CRC: what a reply costs on the wire beyond its payload. */
export const REPLY_OVERHEAD = REPLY_HEADER_LENGTH + REPLY_TRAILER_LENGTH;

/**
 * How many READs a master may have on their way at once (protocol/README.md, "Reading a photo"): every one of
 * their replies may be waiting in the slave's TX ring of `txRing` bytes, and a reply the ring has no room for is
 * lost. At least 1, at most `cap`.
 */
export function readsInFlight(txRing: number, chunk: number, cap = 3): number {
  return Math.max(1, Math.min(cap, Math.floor(txRing / (chunk + REPLY_OVERHEAD))));
}

export function encodeRequest(seq: number, op: OpCode, args: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xff) throw new RangeError(`seq ${seq} is not a byte`);
  if (args.length > 0xff) throw new RangeError('protocol-2 arguments are at most 255 bytes');
  const out = new Uint8Array(6 + args.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = seq;
  out[3] = op;
  out[4] = args.length;
  out.set(args, 5);
  out[5 + args.length] = crc8(out, 2, 5 + args.length);
  return out;
}

export function encodeReadArgs(photoId: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint16(0, photoId, true);
  view.setUint32(2, offset, true);
  view.setUint16(6, length, true);
  return out;
}

export function encodeFlashArgs(on: boolean): Uint8Array {
  return Uint8Array.of(on ? 1 : 0);
}

/** Bits of CAPTURE's optional flags byte (protocol/README.md, CAPTURE flags). */
export const CaptureFlag = {
  /** Discard the frame the camera holds (exposed when the previous photo was taken) and take the next one. */
  FRESH: 0x01,
  /** Flash LED on, wait FLASH_LEAD_MS, take a new frame (as FRESH), LED back as it was. */
  FLASH: 0x02,
} as const;
/** Every bit this version defines; a slave echoes the ones it honoured. */
export const CAPTURE_FLAGS_KNOWN = CaptureFlag.FRESH | CaptureFlag.FLASH;

export interface CaptureFlags {
  fresh?: boolean;
  flash?: boolean;
}

/**
 * How long the flash LED is on before the frame it lights is taken: CameraWebServer's capture_handler waits
 * 150 ms between enable_led(true) and esp_camera_fb_get() ("or it won't be visible in the frame").
 */
export const FLASH_LEAD_MS = 150;

export function captureFlagsByte(flags: CaptureFlags): number {
  return (flags.fresh ? CaptureFlag.FRESH : 0) | (flags.flash ? CaptureFlag.FLASH : 0);
}

/**
 * CAPTURE's arguments: nothing when no flag is set, so such a request is the same bytes as before the flags
 * existed; otherwise the one flags byte.
 */
export function encodeCaptureArgs(flags: CaptureFlags): Uint8Array {
  const byte = captureFlagsByte(flags);
  return byte === 0 ? new Uint8Array(0) : Uint8Array.of(byte);
}

/**
 * The camera settings freshev's `camera` module can set (it has no getters). Names and numbers are those of
 * esp32-camera's camera_status_t and of CameraWebServer's /status, so they pass through unchanged; `id` is
 * the byte SETTINGS carries. The setter each maps to is in protocol/README.md.
 */
export const SETTINGS = {
  framesize: { id: 1, min: 0, max: 13 },
  quality: { id: 2, min: 10, max: 63 },
  brightness: { id: 3, min: -2, max: 2 },
  contrast: { id: 4, min: -2, max: 2 },
  saturation: { id: 5, min: -2, max: 2 },
  vflip: { id: 6, min: 0, max: 1 },
  hmirror: { id: 7, min: 0, max: 1 },
  special_effect: { id: 8, min: 0, max: 6 },
  wb_mode: { id: 9, min: 0, max: 4 },
} as const;
export type SettingName = keyof typeof SETTINGS;
export type CameraSettings = Partial<Record<SettingName, number>>;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
const SETTING_BY_ID = new Map<number, SettingName>(SETTING_NAMES.map((name) => [SETTINGS[name].id, name]));
/** Bytes per setting in SETTINGS' arguments and reply: id u8, value i16 little-endian. */
export const SETTING_PAIR_LENGTH = 3;

/**
 * esp32-camera's framesize_t (driver/include/sensor.h), in enum order, up to UXGA: the OV2640 cannot go
 * larger, and freshev names each `camera.FRAME_<name>`.
 */
export const FRAME_SIZES = [
  { name: '96X96', width: 96, height: 96 },
  { name: 'QQVGA', width: 160, height: 120 },
  { name: 'QCIF', width: 176, height: 144 },
  { name: 'HQVGA', width: 240, height: 176 },
  { name: '240X240', width: 240, height: 240 },
  { name: 'QVGA', width: 320, height: 240 },
  { name: 'CIF', width: 400, height: 296 },
  { name: 'HVGA', width: 480, height: 320 },
  { name: 'VGA', width: 640, height: 480 },
  { name: 'SVGA', width: 800, height: 600 },
  { name: 'XGA', width: 1024, height: 768 },
  { name: 'HD', width: 1280, height: 720 },
  { name: 'SXGA', width: 1280, height: 1024 },
  { name: 'UXGA', width: 1600, height: 1200 },
] as const;
export type FrameSizeName = (typeof FRAME_SIZES)[number]['name'];

/**
 * The largest framesize_t whose JPEG buffer fits internal RAM (VGA): larger ones need the frame buffer in
 * PSRAM, and the slave script refuses them on a board without it (protocol/README.md, SETTINGS).
 */
export const LARGEST_WITHOUT_PSRAM = 8;

/** Whether a framesize_t needs a board with PSRAM. */
export function frameSizeNeedsPsram(framesize: number): boolean {
  return framesize > LARGEST_WITHOUT_PSRAM;
}

/**
 * The names of the enumerated settings' values, by value. esp32-camera numbers them without naming them
 * (sensor.h's set_special_effect and set_wb_mode take an int; the OV2640 driver indexes its register tables
 * with it); these are the names CameraWebServer's OV2640 page gives each value (arduino-esp32,
 * libraries/ESP32/examples/Camera/CameraWebServer/camera_index.h), as protocol/README.md lists them.
 */
export const SETTING_LABELS = {
  special_effect: ['None', 'Negative', 'Grayscale', 'Red tint', 'Green tint', 'Blue tint', 'Sepia'],
  wb_mode: ['Auto', 'Sunny', 'Cloudy', 'Office', 'Home'],
} as const satisfies Partial<Record<SettingName, readonly string[]>>;

/** framesize_t of a frame-size name ('VGA' → 8), or undefined. */
export function frameSizeNumber(name: string): number | undefined {
  const i = FRAME_SIZES.findIndex((f) => f.name === name.toUpperCase());
  return i < 0 ? undefined : i;
}

/** Why a value cannot be sent for a setting, or undefined when it can. */
export function settingProblem(name: string, value: unknown): string | undefined {
  const spec = (SETTINGS as Record<string, { min: number; max: number } | undefined>)[name];
  if (!spec) return `unknown setting ${name} (known: ${SETTING_NAMES.join(', ')})`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    return `${name} must be an integer from ${spec.min} to ${spec.max}, not ${String(value)}`;
  }
  return undefined;
}

/** SETTINGS' arguments, in SETTINGS' id order. Throws RangeError for an unknown setting or a value out of range. */
export function encodeSettingsArgs(settings: CameraSettings): Uint8Array {
  for (const [name, value] of Object.entries(settings)) {
    const problem = value === undefined ? undefined : settingProblem(name, value);
    if (problem) throw new RangeError(problem);
  }
  const names = SETTING_NAMES.filter((name) => settings[name] !== undefined);
  return encodeSettingPairs(names.map((name) => [SETTINGS[name].id, settings[name]!]));
}

function encodeSettingPairs(pairs: Array<[number, number]>): Uint8Array {
  const out = new Uint8Array(pairs.length * SETTING_PAIR_LENGTH);
  const view = viewOf(out);
  pairs.forEach(([id, value], i) => {
    out[i * SETTING_PAIR_LENGTH] = id;
    view.setInt16(i * SETTING_PAIR_LENGTH + 1, value, true);
  });
  return out;
}

/** SETTINGS' reply (the same pairs as its arguments); ids this host does not know are skipped. */
export function decodeSettings(payload: Uint8Array): CameraSettings {
  if (payload.length % SETTING_PAIR_LENGTH !== 0) {
    throw new PayloadError(`SETTINGS payload is ${payload.length} bytes, not a whole number of 3-byte pairs`);
  }
  const view = viewOf(payload);
  const out: CameraSettings = {};
  for (let at = 0; at < payload.length; at += SETTING_PAIR_LENGTH) {
    const name = SETTING_BY_ID.get(payload[at]!);
    if (name) out[name] = view.getInt16(at + 1, true);
  }
  return out;
}

/** Builds SETTINGS' reply payload as the slave does; for tests and stand-in slaves. */
export function encodeSettingsReply(settings: CameraSettings): Uint8Array {
  return encodeSettingsArgs(settings);
}

export interface ReplyHeader {
  seq: number;
  status: number;
  length: number;
}

export type HeaderResult =
  | { kind: 'header'; header: ReplyHeader }
  /** No magic at the start: an empty ring's garbage, or bytes that belong to nothing. */
  | { kind: 'no-frame' }
  | { kind: 'bad-header'; reason: string };

/** Reads a reply header from the first six bytes of `bytes`. */
export function decodeReplyHeader(bytes: Uint8Array, maxPayload = 0xffff): HeaderResult {
  if (bytes.length < REPLY_HEADER_LENGTH) throw new RangeError('a reply header is 6 bytes');
  if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return { kind: 'no-frame' };
  const status = bytes[3]!;
  const length = bytes[4]! | (bytes[5]! << 8);
  if (status !== STATUS_OK && status !== STATUS_DATA && status !== STATUS_FAILED) {
    return { kind: 'bad-header', reason: `status ${status} is not 200, 201 or 100` };
  }
  if (length > maxPayload) return { kind: 'bad-header', reason: `payload length ${length} exceeds ${maxPayload}` };
  return { kind: 'header', header: { seq: bytes[2]!, status, length } };
}

/** Where a frame's magic starts inside `bytes`, or -1: replies can sit behind stale bytes in the ring. */
export function findMagic(bytes: Uint8Array, from = 0): number {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === MAGIC0 && bytes[i + 1] === MAGIC1) return i;
  return -1;
}

/**
 * Checks a whole reply frame (header, payload, CRC) and returns its payload. `frame` starts at the magic and
 * is exactly REPLY_OVERHEAD + length bytes long.
 */
export function verifyReply(frame: Uint8Array, header: ReplyHeader): { ok: true; payload: Uint8Array } | { ok: false; reason: string } {
  const end = REPLY_HEADER_LENGTH + header.length;
  if (frame.length < end + REPLY_TRAILER_LENGTH) return { ok: false, reason: 'frame is shorter than its length says' };
  const expected = crc32(frame, 2, end);
  const got = (frame[end]! | (frame[end + 1]! << 8) | (frame[end + 2]! << 16) | (frame[end + 3]! << 24)) >>> 0;
  if (expected !== got) {
    return { ok: false, reason: `CRC mismatch (frame says 0x${hex32(got)}, bytes give 0x${hex32(expected)})` };
  }
  return { ok: true, payload: frame.subarray(REPLY_HEADER_LENGTH, end) };
}

/** Builds a reply frame as the slave does; used by tests and tools that stand in for a slave. */
export function encodeReply(seq: number, status: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(REPLY_OVERHEAD + payload.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = seq;
  out[3] = status;
  out[4] = payload.length & 0xff;
  out[5] = payload.length >> 8;
  out.set(payload, 6);
  const crc = crc32(out, 2, 6 + payload.length);
  new DataView(out.buffer).setUint32(6 + payload.length, crc, true);
  return out;
}

export interface HelloInfo {
  proto: number;
  maxChunk: number;
  txRing: number;
  firmware: string;
}

export interface CaptureInfo {
  photoId: number;
  size: number;
  crc32: number;
  /**
   * The CaptureFlag bits the slave honoured for this photo. Absent from a script older than the flags byte,
   * which ignores it: the host must then do what was asked itself.
   */
  flags?: number;
}

/** The CAPTURE reply's length before the flags byte, as scripts older than it send it. */
export const CAPTURE_INFO_BASE_LENGTH = 10;

export interface StatusInfo {
  uptimeMs: number;
  captures: number;
  errors: number;
  /** MicroPython's machine.reset_cause() number; resetCauseName() names it. */
  resetCause: number;
  flash: boolean;
  wdtTimeoutMs: number;
  /**
   * The fields below come after the first 18 bytes and are absent from the replies of older slave scripts.
   * bootCount: chip boots counted in the board's NVS (soft resets excluded); 0 when the board keeps no count.
   */
  bootCount?: number;
  /** gc.mem_free() after a collection, in bytes. */
  freeHeap?: number;
  /** Whether camera.init succeeded at start-up. */
  cameraOk?: boolean;
  /** The text of the slave's last error, '' while there was none. */
  lastError?: string;
}

/** STATUS as the first slave scripts sent it; whatever a newer script adds comes after these bytes. */
export const STATUS_BASE_LENGTH = 18;
/** bootCount u32, freeHeap u32, cameraOk u8, then the last error's length (u8) and that many ASCII bytes. */
const STATUS_EXTENSION_FIXED = 10;

export type ResetCauseName = 'PWRON_RESET' | 'HARD_RESET' | 'WDT_RESET' | 'DEEPSLEEP_RESET' | 'SOFT_RESET' | 'UNKNOWN';

/**
 * machine.reset_cause() as numbered by MicroPython's esp32 port (ports/esp32/modmachine.c): PWRON_RESET = 1
 * and the rest in order. 0 (ESP_RST_UNKNOWN, ESP_RST_SDIO) and anything else is UNKNOWN. See docs/hardware.md
 * for which ESP-IDF reset reasons land in each: a brownout reads as PWRON_RESET, a panic as HARD_RESET.
 */
const RESET_CAUSE_NAMES: readonly ResetCauseName[] = ['UNKNOWN', 'PWRON_RESET', 'HARD_RESET', 'WDT_RESET', 'DEEPSLEEP_RESET', 'SOFT_RESET'];

export function resetCauseName(n: number): ResetCauseName {
  return (Number.isInteger(n) && RESET_CAUSE_NAMES[n]) || 'UNKNOWN';
}

export function decodeHello(payload: Uint8Array): HelloInfo {
  need(payload, 5, 'HELLO');
  const view = viewOf(payload);
  return {
    proto: payload[0]!,
    maxChunk: view.getUint16(1, true),
    txRing: view.getUint16(3, true),
    firmware: new TextDecoder().decode(payload.subarray(5)),
  };
}

/** CAPTURE's reply: 10 bytes from a script older than the flags byte, else 11 ending with the flags honoured. */
export function decodeCaptureInfo(payload: Uint8Array): CaptureInfo {
  need(payload, CAPTURE_INFO_BASE_LENGTH, 'CAPTURE');
  const view = viewOf(payload);
  const info: CaptureInfo = { photoId: view.getUint16(0, true), size: view.getUint32(2, true), crc32: view.getUint32(6, true) };
  if (payload.length > CAPTURE_INFO_BASE_LENGTH) info.flags = payload[CAPTURE_INFO_BASE_LENGTH]!;
  return info;
}

/** Builds CAPTURE's reply payload as the slave does; `flags` undefined gives an older script's 10 bytes. */
export function encodeCaptureInfo(info: CaptureInfo): Uint8Array {
  const out = new Uint8Array(CAPTURE_INFO_BASE_LENGTH + (info.flags === undefined ? 0 : 1));
  const view = viewOf(out);
  view.setUint16(0, info.photoId, true);
  view.setUint32(2, info.size, true);
  view.setUint32(6, info.crc32, true);
  if (info.flags !== undefined) out[CAPTURE_INFO_BASE_LENGTH] = info.flags;
  return out;
}

/**
 * Decodes STATUS: exactly 18 bytes from an older slave script (the health fields are then absent), or the 18
 * bytes and the whole extension. An extension cut short is refused rather than half read.
 */
export function decodeStatusInfo(payload: Uint8Array): StatusInfo {
  need(payload, STATUS_BASE_LENGTH, 'STATUS');
  const view = viewOf(payload);
  const base: StatusInfo = {
    uptimeMs: view.getUint32(0, true),
    captures: view.getUint32(4, true),
    errors: view.getUint32(8, true),
    resetCause: payload[12]!,
    flash: payload[13] !== 0,
    wdtTimeoutMs: view.getUint32(14, true),
  };
  if (payload.length === STATUS_BASE_LENGTH) return base;
  need(payload, STATUS_BASE_LENGTH + STATUS_EXTENSION_FIXED, 'STATUS');
  const at = STATUS_BASE_LENGTH;
  const textLength = payload[at + 9]!;
  need(payload, at + STATUS_EXTENSION_FIXED + textLength, 'STATUS');
  return {
    ...base,
    bootCount: view.getUint32(at, true),
    freeHeap: view.getUint32(at + 4, true),
    cameraOk: payload[at + 8] !== 0,
    lastError: decodeReason(payload.subarray(at + STATUS_EXTENSION_FIXED, at + STATUS_EXTENSION_FIXED + textLength)),
  };
}

/** A 100 reply carries its reason as ASCII. */
export function decodeReason(payload: Uint8Array): string {
  return new TextDecoder().decode(payload).replace(/[^\x20-\x7e]/g, '?');
}

export class PayloadError extends Error {}

function need(payload: Uint8Array, length: number, what: string): void {
  if (payload.length < length) throw new PayloadError(`${what} payload is ${payload.length} bytes, needs ${length}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0').toUpperCase();
}

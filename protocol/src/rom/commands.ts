/**
 * The data fields of each command, both ways: what a host encodes and what a board decodes.
 * Decoders return undefined for a payload of the wrong size; the ROM answers those with INVALID_MESSAGE.
 */
import { checksum } from './packet.js';

function words(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

function readWords(data: Uint8Array, count: number): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(view.getUint32(i * 4, true));
  return out;
}

/** `*_DATA` payload: `len32 seq32 0 0 data`. The request's checksum covers `data` only. */
export interface DataBlock {
  seq: number;
  data: Uint8Array;
}

export function encodeDataBlock(seq: number, data: Uint8Array): { payload: Uint8Array; checksum: number } {
  const payload = new Uint8Array(16 + data.length);
  payload.set(words([data.length, seq, 0, 0]));
  payload.set(data, 16);
  return { payload, checksum: checksum(data) };
}

export type DataBlockResult = { ok: true; block: DataBlock } | { ok: false; reason: 'short' | 'length' | 'checksum' };

export function decodeDataBlock(payload: Uint8Array, chk: number): DataBlockResult {
  if (payload.length < 16) return { ok: false, reason: 'short' };
  const [length, seq] = readWords(payload, 2) as [number, number];
  const data = payload.subarray(16);
  if (length !== data.length) return { ok: false, reason: 'length' };
  if (checksum(data) !== (chk & 0xff)) return { ok: false, reason: 'checksum' };
  return { ok: true, block: { seq, data } };
}

/** FLASH_BEGIN, FLASH_DEFL_BEGIN and MEM_BEGIN: size, block count, block size, offset (+ encrypted flag to the ESP32-S2+ ROM). */
export interface BeginParams {
  size: number;
  blocks: number;
  blockSize: number;
  offset: number;
}

export function encodeBegin(p: BeginParams): Uint8Array {
  return words([p.size, p.blocks, p.blockSize, p.offset]);
}

export function decodeBegin(data: Uint8Array): BeginParams | undefined {
  if (data.length !== 16 && data.length !== 20) return undefined;
  const [size, blocks, blockSize, offset] = readWords(data, 4) as [number, number, number, number];
  return { size, blocks, blockSize, offset };
}

/** FLASH_END / FLASH_DEFL_END: one word, 0 = reboot, 1 = run user code. Optional for the ROM. */
export function encodeFlashEnd(runUserCode: boolean): Uint8Array {
  return words([runUserCode ? 1 : 0]);
}

export function decodeFlashEnd(data: Uint8Array): { runUserCode: boolean } | undefined {
  if (data.length === 0) return { runUserCode: false };
  if (data.length !== 4) return undefined;
  return { runUserCode: readWords(data, 1)[0] !== 0 };
}

/** MEM_END: `no_entry32 entry32` — esptool sends `int(entry == 0), entry`. */
export function encodeMemEnd(entry: number): Uint8Array {
  return words([entry === 0 ? 1 : 0, entry]);
}

export function decodeMemEnd(data: Uint8Array): { execute: boolean; entry: number } | undefined {
  if (data.length !== 8) return undefined;
  const [noEntry, entry] = readWords(data, 2) as [number, number];
  return { execute: noEntry === 0, entry };
}

export function encodeReadReg(address: number): Uint8Array {
  return words([address]);
}

export function decodeReadReg(data: Uint8Array): number | undefined {
  return data.length === 4 ? readWords(data, 1)[0] : undefined;
}

/** WRITE_REG carries one or more `addr value mask delay_us` quads (esptool appends a dummy one to delay). */
export interface RegWrite {
  address: number;
  value: number;
  mask: number;
  delayUs: number;
}

export function encodeWriteReg(...writes: RegWrite[]): Uint8Array {
  return words(writes.flatMap((w) => [w.address, w.value, w.mask, w.delayUs]));
}

export function decodeWriteReg(data: Uint8Array): RegWrite[] | undefined {
  if (data.length === 0 || data.length % 16 !== 0) return undefined;
  const all = readWords(data, data.length / 4);
  const out: RegWrite[] = [];
  for (let i = 0; i < all.length; i += 4) out.push({ address: all[i]!, value: all[i + 1]!, mask: all[i + 2]!, delayUs: all[i + 3]! });
  return out;
}

/** SPI_FLASH_MD5: address, size, 0, 0. */
export function encodeMd5(address: number, size: number): Uint8Array {
  return words([address, size, 0, 0]);
}

export function decodeMd5(data: Uint8Array): { address: number; size: number } | undefined {
  if (data.length !== 16) return undefined;
  const [address, size] = readWords(data, 2) as [number, number];
  return { address, size };
}

/** The stub's READ_FLASH: offset, length, packet size, packets in flight before an ack. */
export interface ReadFlashParams {
  offset: number;
  length: number;
  packetSize: number;
  maxInFlight: number;
}

export function encodeReadFlash(p: ReadFlashParams): Uint8Array {
  return words([p.offset, p.length, p.packetSize, p.maxInFlight]);
}

export function decodeReadFlash(data: Uint8Array): ReadFlashParams | undefined {
  if (data.length !== 16) return undefined;
  const [offset, length, packetSize, maxInFlight] = readWords(data, 4) as [number, number, number, number];
  return { offset, length, packetSize, maxInFlight };
}

/** The ack a host sends after each READ_FLASH packet: total bytes received so far, as a bare SLIP packet. */
export function encodeReadFlashAck(received: number): Uint8Array {
  return words([received]);
}

export function decodeReadFlashAck(data: Uint8Array): number | undefined {
  return data.length === 4 ? readWords(data, 1)[0] : undefined;
}

/** CHANGE_BAUDRATE: new baud, and 0 to the ROM or the current baud to the stub. */
export function encodeChangeBaud(newBaud: number, oldBaud: number): Uint8Array {
  return words([newBaud, oldBaud]);
}

export function decodeChangeBaud(data: Uint8Array): { newBaud: number; oldBaud: number } | undefined {
  if (data.length !== 8) return undefined;
  const [newBaud, oldBaud] = readWords(data, 2) as [number, number];
  return { newBaud, oldBaud };
}

/** ERASE_REGION: offset, size; both multiples of the 4 KB sector. */
export function encodeEraseRegion(offset: number, size: number): Uint8Array {
  return words([offset, size]);
}

export function decodeEraseRegion(data: Uint8Array): { offset: number; size: number } | undefined {
  if (data.length !== 8) return undefined;
  const [offset, size] = readWords(data, 2) as [number, number];
  return { offset, size };
}

/** SPI_ATTACH: the pin configuration word, plus 4 reserved bytes when talking to the ESP32 ROM. */
export function encodeSpiAttach(config: number, toRom: boolean): Uint8Array {
  return toRom ? words([config, 0]) : words([config]);
}

export function decodeSpiAttach(data: Uint8Array): number | undefined {
  return data.length === 4 || data.length === 8 ? readWords(data, 1)[0] : undefined;
}

/** SPI_SET_PARAMS: id, total size, block size, sector size, page size, status mask. */
export interface SpiParams {
  id: number;
  totalSize: number;
  blockSize: number;
  sectorSize: number;
  pageSize: number;
  statusMask: number;
}

export function encodeSpiSetParams(p: SpiParams): Uint8Array {
  return words([p.id, p.totalSize, p.blockSize, p.sectorSize, p.pageSize, p.statusMask]);
}

export function decodeSpiSetParams(data: Uint8Array): SpiParams | undefined {
  if (data.length !== 24) return undefined;
  const [id, totalSize, blockSize, sectorSize, pageSize, statusMask] = readWords(data, 6) as [number, number, number, number, number, number];
  return { id, totalSize, blockSize, sectorSize, pageSize, statusMask };
}

/** ROM READ_FLASH_SLOW (0x0E): offset, length (at most 64). */
export function decodeReadFlashSlow(data: Uint8Array): { offset: number; length: number } | undefined {
  if (data.length !== 8) return undefined;
  const [offset, length] = readWords(data, 2) as [number, number];
  return { offset, length };
}

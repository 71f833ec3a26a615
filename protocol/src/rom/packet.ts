/**
 * The packets inside the SLIP frames (framing itself is @serialport/parser-slip-encoder's job):
 *   request  `00 op len16 chk32 data[len]`
 *   response `01 op len16 val32 data[len]`, whose last 2 or 4 data bytes are the status.
 * All fields little-endian.
 */
import { CHECKSUM_SEED } from './opcodes.js';

export const HEADER_LENGTH = 8;
export const DIRECTION_REQUEST = 0x00;
export const DIRECTION_RESPONSE = 0x01;

export interface RomRequest {
  op: number;
  checksum: number;
  data: Uint8Array;
}

export interface RomResponse {
  op: number;
  value: number;
  /** The data before the status bytes. */
  data: Uint8Array;
  status: number;
  error: number;
}

export type Decoded<T> = { ok: true; packet: T } | { ok: false; reason: string };

/** The ROM's checksum: XOR of every byte, seeded with 0xEF. Only the `*_DATA` commands carry one. */
export function checksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let state = seed;
  for (let i = 0; i < data.length; i++) state ^= data[i]!;
  return state;
}

function header(direction: number, op: number, length: number, word: number): Uint8Array {
  if (!Number.isInteger(op) || op < 0 || op > 0xff) throw new RangeError(`op ${op} is not a byte`);
  if (length > 0xffff) throw new RangeError(`a packet carries at most 65535 data bytes, not ${length}`);
  const out = new Uint8Array(HEADER_LENGTH + length);
  const view = new DataView(out.buffer);
  out[0] = direction;
  out[1] = op;
  view.setUint16(2, length, true);
  view.setUint32(4, word >>> 0, true);
  return out;
}

export function encodeRequest(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Uint8Array {
  const out = header(DIRECTION_REQUEST, op, data.length, chk);
  out.set(data, HEADER_LENGTH);
  return out;
}

/** A response whose data ends with `statusLength` status bytes: status, error, then zeros. */
export function encodeResponse(op: number, opts: { value?: number; data?: Uint8Array; status?: number; error?: number; statusLength: number }): Uint8Array {
  const data = opts.data ?? new Uint8Array(0);
  const out = header(DIRECTION_RESPONSE, op, data.length + opts.statusLength, opts.value ?? 0);
  out.set(data, HEADER_LENGTH);
  out[HEADER_LENGTH + data.length] = opts.status ?? 0;
  out[HEADER_LENGTH + data.length + 1] = opts.error ?? 0;
  return out;
}

export function decodeRequest(packet: Uint8Array): Decoded<RomRequest> {
  if (packet.length < HEADER_LENGTH) return { ok: false, reason: `${packet.length} bytes is shorter than a header` };
  if (packet[0] !== DIRECTION_REQUEST) return { ok: false, reason: `direction byte 0x${packet[0]!.toString(16)} is not a request` };
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const length = view.getUint16(2, true);
  if (packet.length - HEADER_LENGTH !== length) {
    return { ok: false, reason: `length field says ${length} data bytes, the packet has ${packet.length - HEADER_LENGTH}` };
  }
  return { ok: true, packet: { op: packet[1]!, checksum: view.getUint32(4, true), data: packet.subarray(HEADER_LENGTH) } };
}

export function decodeResponse(packet: Uint8Array, statusLength: number): Decoded<RomResponse> {
  if (packet.length < HEADER_LENGTH) return { ok: false, reason: `${packet.length} bytes is shorter than a header` };
  if (packet[0] !== DIRECTION_RESPONSE) return { ok: false, reason: `direction byte 0x${packet[0]!.toString(16)} is not a response` };
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const length = view.getUint16(2, true);
  if (packet.length - HEADER_LENGTH !== length) {
    return { ok: false, reason: `length field says ${length} data bytes, the packet has ${packet.length - HEADER_LENGTH}` };
  }
  if (length < statusLength) return { ok: false, reason: `${length} data bytes cannot hold ${statusLength} status bytes` };
  const body = packet.subarray(HEADER_LENGTH);
  const statusAt = body.length - statusLength;
  return {
    ok: true,
    packet: {
      op: packet[1]!,
      value: view.getUint32(4, true),
      data: body.subarray(0, statusAt),
      status: body[statusAt]!,
      error: body[statusAt + 1]!,
    },
  };
}

/**
 * The legacy packet protocol spoken by the slave scripts on boards in the field (docs/hardware.md §3).
 * Commands are bare ASCII in one I2C write; answers are a status byte, and for 201 a u16 LE length and data.
 */

export const LEGACY_COMMANDS = ['ping', 'capture', 'get', 'flash-on', 'flash-off'] as const;
export type LegacyCommand = (typeof LEGACY_COMMANDS)[number];

export const STATUS_OK = 200; // 0xC8
export const STATUS_DATA = 201; // 0xC9
export const STATUS_FAILED = 100; // 0x64

/** The field script's slice size; a `get` never answers more than this. */
export const LEGACY_CHUNK = 100;

const ascii = new TextEncoder();

export function encodeLegacyCommand(command: LegacyCommand): Uint8Array {
  if (!(LEGACY_COMMANDS as readonly string[]).includes(command)) {
    throw new RangeError(`unknown legacy command ${JSON.stringify(command)}`);
  }
  return ascii.encode(command);
}

/** A slice's header and data: what follows a 201. */
export type LegacySlice =
  | { kind: 'data'; data: Uint8Array; length: number }
  /** Fewer bytes than the slice needs, so far. */
  | { kind: 'incomplete'; need: number }
  | { kind: 'malformed'; reason: string };

export type LegacyReply =
  | { kind: 'ok' }
  | { kind: 'failed' }
  | { kind: 'data'; data: Uint8Array; length: number }
  /** Fewer bytes than the reply needs, so far. */
  | { kind: 'incomplete'; need: number }
  /** The first byte is no status this protocol knows. */
  | { kind: 'malformed'; reason: string };

/**
 * Decodes the part of a 201 reply after its status byte: a u16 little-endian length, then that many bytes.
 * `maxData` bounds the length: anything larger cannot be a real slice, which is how a read of garbage (a
 * repeated byte) is told from a real header.
 */
export function decodeLegacySlice(bytes: Uint8Array, maxData = LEGACY_CHUNK): LegacySlice {
  if (bytes.length < 2) return { kind: 'incomplete', need: 2 };
  const length = bytes[0]! | (bytes[1]! << 8);
  if (length > maxData) {
    return { kind: 'malformed', reason: `slice length ${length} exceeds the ${maxData}-byte maximum` };
  }
  if (bytes.length < 2 + length) return { kind: 'incomplete', need: 2 + length };
  return { kind: 'data', data: bytes.subarray(2, 2 + length), length };
}

/** Decodes one reply from the start of `bytes`: a status, and for 201 its slice (see decodeLegacySlice). */
export function decodeLegacyReply(bytes: Uint8Array, maxData = LEGACY_CHUNK): LegacyReply {
  if (bytes.length < 1) return { kind: 'incomplete', need: 1 };
  const status = bytes[0];
  if (status === STATUS_OK) return { kind: 'ok' };
  if (status === STATUS_FAILED) return { kind: 'failed' };
  if (status !== STATUS_DATA) {
    return { kind: 'malformed', reason: `status byte 0x${hex(status!)} is not 200, 201 or 100` };
  }
  const slice = decodeLegacySlice(bytes.subarray(1), maxData);
  return slice.kind === 'incomplete' ? { kind: 'incomplete', need: 1 + slice.need } : slice;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

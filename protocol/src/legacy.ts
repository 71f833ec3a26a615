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

export type LegacyReply =
  | { kind: 'ok' }
  | { kind: 'failed' }
  | { kind: 'data'; data: Uint8Array; length: number }
  /** Fewer bytes than the reply needs, so far. */
  | { kind: 'incomplete'; need: number }
  /** The first byte is no status this protocol knows. */
  | { kind: 'malformed'; reason: string };

/**
 * Decodes one reply from the start of `bytes`. `maxData` bounds a 201 length: anything larger cannot be a
 * real slice, which is how a read of garbage (a repeated byte) is told from a real header.
 */
export function decodeLegacyReply(bytes: Uint8Array, maxData = LEGACY_CHUNK): LegacyReply {
  if (bytes.length < 1) return { kind: 'incomplete', need: 1 };
  const status = bytes[0];
  if (status === STATUS_OK) return { kind: 'ok' };
  if (status === STATUS_FAILED) return { kind: 'failed' };
  if (status !== STATUS_DATA) {
    return { kind: 'malformed', reason: `status byte 0x${hex(status!)} is not 200, 201 or 100` };
  }
  if (bytes.length < 3) return { kind: 'incomplete', need: 3 };
  const length = bytes[1]! | (bytes[2]! << 8);
  if (length > maxData) {
    return { kind: 'malformed', reason: `slice length ${length} exceeds the ${maxData}-byte maximum` };
  }
  if (bytes.length < 3 + length) return { kind: 'incomplete', need: 3 + length };
  return { kind: 'data', data: bytes.subarray(3, 3 + length), length };
}

/** The bytes a legacy slave queues for a reply; the simulator's tests and fixtures compare against these. */
export function encodeLegacyReply(reply: { kind: 'ok' } | { kind: 'failed' } | { kind: 'data'; data: Uint8Array }): Uint8Array {
  if (reply.kind === 'ok') return Uint8Array.of(STATUS_OK);
  if (reply.kind === 'failed') return Uint8Array.of(STATUS_FAILED);
  if (reply.data.length > 0xffff) throw new RangeError('a legacy slice is at most 65535 bytes');
  const out = new Uint8Array(3 + reply.data.length);
  out[0] = STATUS_DATA;
  out[1] = reply.data.length & 0xff;
  out[2] = reply.data.length >> 8;
  out.set(reply.data, 3);
  return out;
}

/**
 * Splits a photo into the slices a legacy slave sends for successive `get`s, ending with the empty slice.
 * A size that is an exact multiple of the slice size ends with a full slice and then the empty one.
 */
export function legacySlices(photo: Uint8Array, chunk = LEGACY_CHUNK): Uint8Array[] {
  const slices: Uint8Array[] = [];
  for (let at = 0; at < photo.length; at += chunk) slices.push(photo.subarray(at, Math.min(at + chunk, photo.length)));
  slices.push(new Uint8Array(0));
  return slices;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

import { DEFAULT_I2C_CLOCK_HZ } from '../../transports/i2c-clock.js';
import { I2C_DEV_MAX_MESSAGE } from '../../transports/i2c-transport.js';

/**
 * What the camera client derives from the bus clock. The slave cannot stretch SCL (docs/hardware.md §2), so
 * the wire time of a message is fixed by the clock alone: 9 clocks a byte, plus the address byte (§4).
 */
export const CLOCKS_PER_BYTE = 9;

/** A client told nothing paces itself by the Pi's default clock. */
export const DEFAULT_BUS_HZ = DEFAULT_I2C_CLOCK_HZ;

/**
 * The longest a protocol-2 chunk may hold the wire. Every other camera on a shared bus waits behind it, and a
 * damaged chunk costs it again. At 100 kHz this allows 2 KB chunks, which already reach 98% of the wire; at
 * 400 kHz the slave's own limit (HELLO's maxChunk) comes first.
 */
export const CHUNK_WIRE_MS = 200;

/** Chunks are whole multiples of this, so that they line up with the slave's buffer sizes. */
const CHUNK_STEP = 256;

/** Polls may take at most a third of the wire, so a slow clock is not drowned in them. */
const POLL_SHARE = 3;

/** Milliseconds one message of `dataBytes` data bytes holds the wire at `busHz`. */
export function wireMs(dataBytes: number, busHz: number): number {
  return ((1 + dataBytes) * CLOCKS_PER_BYTE * 1000) / busHz;
}

/** The pause between two polls of `pollBytes`: `floorMs`, or longer on a clock slow enough to need it. */
export function pollIntervalMs(floorMs: number, pollBytes: number, busHz: number): number {
  return Math.max(floorMs, POLL_SHARE * wireMs(pollBytes, busHz));
}

/**
 * The protocol-2 chunk for a clock: the largest step multiple whose reply (with `overhead` bytes of frame)
 * crosses the wire within CHUNK_WIRE_MS, never above one i2c-dev message, never below one step.
 */
export function chunkForClock(busHz: number, overhead: number): number {
  const fits = Math.floor((CHUNK_WIRE_MS * busHz) / (1000 * CLOCKS_PER_BYTE)) - 1 - overhead;
  const stepped = Math.floor(fits / CHUNK_STEP) * CHUNK_STEP;
  return Math.max(CHUNK_STEP, Math.min(stepped, I2C_DEV_MAX_MESSAGE - overhead));
}

/** Whether `hz` can be a bus clock the client paces itself by. */
export function isBusHz(hz: unknown): hz is number {
  return typeof hz === 'number' && Number.isInteger(hz) && hz >= 1000 && hz <= 5_000_000;
}

import { Esp32CamError } from '../errors.js';
import { SeededRandom } from './rng.js';
import { CLOCKS_PER_BYTE } from './wire-clock.js';

/**
 * The ESP32 I2C slave's transmit path between the TX ring and the wire (docs/hardware.md, "The slave's
 * 32-byte TX FIFO"): the hardware shifts bytes out of a 32-byte FIFO; when fewer than 5 remain, the
 * TXFIFO_EMPTY interrupt fires and ESP-IDF's ISR moves as many bytes as fit from the ring (one contiguous
 * piece: at the ring's end it stops, and the interrupt comes again). The classic ESP32 cannot stretch SCL, so
 * when the FIFO runs dry before the ISR refills it, the master keeps clocking and gets filler, and the bytes
 * still in the ring come out later in the same read, shifted.
 */
export const TX_FIFO_BYTES = 32;
/** ESP-IDF's I2C_FIFO_EMPTY_THRESH_VAL: the refill interrupt fires below this many bytes. */
export const TX_FIFO_EMPTY_THRESHOLD = 5;

export interface TxFifoTiming {
  busHz: number;
  /** Microseconds from the interrupt to the ISR's copy into the FIFO, drawn per refill. */
  refillUs: () => number;
}

/**
 * For a read of `length` bytes that starts with `available` bytes in the ring (of which `contiguous` lie before
 * the ring's end), which ring byte each wire byte is: 0, 1, 2... in order, or -1 for filler. The FIFO is taken
 * as full at the start (the ISR filled it while the bytes waited). Pure: the caller draws nothing else.
 */
export function fifoShiftPlan(available: number, contiguous: number, length: number, timing: TxFifoTiming): Int32Array {
  const plan = new Int32Array(length).fill(-1);
  const byteUs = (CLOCKS_PER_BYTE * 1e6) / timing.busHz;
  let loaded = 0; // ring bytes moved into the FIFO so far
  let sent = 0; // ring bytes shifted out so far
  let wrapAt = Math.min(contiguous, available); // ring bytes before its end; 0 once past it
  // One ISR run: a contiguous piece, and once more at once if the FIFO is still under the threshold (the ring
  // wrapped), as the raw interrupt is still set when the handler looks again.
  const load = (): void => {
    for (let pass = 0; pass < 2 && loaded < available; pass++) {
      if (pass > 0 && loaded - sent >= TX_FIFO_EMPTY_THRESHOLD) break;
      const room = TX_FIFO_BYTES - (loaded - sent);
      const piece = wrapAt > loaded ? wrapAt - loaded : available - loaded;
      loaded += Math.min(room, piece);
      if (loaded >= wrapAt) wrapAt = 0;
    }
  };
  load();
  let refillAt = Infinity;
  const armRefill = (now: number): void => {
    if (refillAt === Infinity && loaded - sent < TX_FIFO_EMPTY_THRESHOLD && loaded < available) refillAt = now + timing.refillUs();
  };
  armRefill(0);
  for (let i = 0; i < length; i++) {
    const t = i * byteUs;
    while (refillAt <= t) {
      const at = refillAt;
      refillAt = Infinity;
      load();
      armRefill(at);
    }
    if (loaded > sent) plan[i] = sent++;
    armRefill(t);
  }
  return plan;
}

/** Checks a refill-latency window from the options: [min, max] microseconds. */
export function checkRefillWindow(window: unknown): [number, number] {
  const ok =
    Array.isArray(window) &&
    window.length === 2 &&
    window.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1_000_000) &&
    (window[0] as number) <= (window[1] as number);
  if (!ok) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `fifoRefillUs ${JSON.stringify(window)} is not a [min, max] window of microseconds`,
      'Pass two numbers from 0 to 1000000, the smaller first, e.g. [5, 20].',
    );
  }
  return [window[0], window[1]];
}

/**
 * The refill latency the simulator assumes when none is given: a few microseconds for the interrupt entry and
 * the ISR's ring-buffer copy. An assumption, not a measurement: at it, the FIFO never runs dry below 1 MHz.
 */
export const DEFAULT_REFILL_US: [number, number] = [5, 20];

/** The FIFO timing of a board: its bus clock and a refill latency drawn from its own seeded sequence. */
export function fifoTiming(busHz: number, window: [number, number] | undefined, seed: number): TxFifoTiming {
  const [lo, hi] = checkRefillWindow(window ?? DEFAULT_REFILL_US);
  // Its own sequence, so the model draws nothing from the board's latency and fault RNG.
  const rng = new SeededRandom((seed ^ 0x5f1f0) >>> 0);
  return { busHz, refillUs: () => rng.between(lo, hi) };
}

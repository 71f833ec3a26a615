// @ts-check
/**
 * Layout of the memory the main thread and a board's worker share. host/src/sim/shared-layout.ts
 * holds the same numbers for the TypeScript side (a worker cannot import .ts); a test keeps them equal.
 */

/** Int32 slots of the control block. */
export const CTL = Object.freeze({ DOORBELL: 0, CAM_INIT_FAULTS: 1, HALT: 2, TX_SENT: 3, TX_DONE: 4, AMBIENT_PERMILLE: 5, SLOTS: 8 });

/** Float64 slots of the watchdog block: timeout 0 means the script never started a WDT. */
export const WDT = Object.freeze({ TIMEOUT: 0, LAST_FEED: 1, SLOTS: 2 });

/**
 * A TX ring is `RING_HEADER_BYTES` of Int32 indices (head written by setdata, tail by master reads)
 * followed by `size` data bytes; one byte stays free so that head === tail means empty.
 */
export const RING_HEADER_BYTES = 8;
export const RING_HEAD = 0;
export const RING_TAIL = 1;

/** The ESP32 I2C peripheral's hardware FIFO, refilled from the ring by interrupt. */
export const RING_FIFO_BYTES = 32;

/**
 * Layout of the memory shared with a board's worker; the same numbers as board/shared-layout.mjs,
 * which the worker imports (a worker cannot load .ts). test/sim/layout.test.ts keeps the two equal.
 */
/** AMBIENT_PERMILLE: the scene's light for the next exposures, 0 (dark) to 1000 (the test card as drawn). */
export const CTL = { DOORBELL: 0, CAM_INIT_FAULTS: 1, HALT: 2, TX_SENT: 3, TX_DONE: 4, AMBIENT_PERMILLE: 5, SLOTS: 8 } as const;
export const WDT = { TIMEOUT: 0, LAST_FEED: 1, SLOTS: 2 } as const;
export const RING_HEADER_BYTES = 8;
export const RING_HEAD = 0;
export const RING_TAIL = 1;
export const RING_FIFO_BYTES = 32;

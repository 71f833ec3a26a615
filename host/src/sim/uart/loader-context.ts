import type { ChipRegisters } from './chip-registers.js';
import type { SimFlash } from './flash-chip.js';
import type { FlashTiming } from './flash-timing.js';

/** What a loader (the ROM's or the stub's) can do to the board it runs on. */
export interface LoaderContext {
  readonly flash: SimFlash;
  readonly registers: ChipRegisters;
  readonly timing: FlashTiming;
  /** Queues one packet (SLIP-framed on the way out); resolves once it has left the wire. */
  send(packet: Uint8Array): Promise<void>;
  /** The next packet from the host, unframed. Rejects when the chip resets. */
  nextPacket(): Promise<Uint8Array>;
  baud(): number;
  setBaud(baud: number): void;
  /** Waits as the chip would; rejects when the chip resets meanwhile. */
  busy(ms: number): Promise<void>;
  /** The uploaded stub starts (MEM_END with an entry point). */
  startStub(): void;
  /** A software reset: the ROM starts again with the strapping latched at the last chip reset. */
  softReset(): void;
  /** Leave the loader and boot the firmware in flash. */
  runUserCode(): void;
}

/** A loader handles one request at a time; the board feeds it in order. */
export interface Loader {
  readonly kind: 'rom' | 'stub';
  handle(packet: Uint8Array): Promise<void>;
  close(): void;
}

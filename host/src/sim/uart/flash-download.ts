import { FLASH_SECTOR } from '../../../../protocol/src/rom/index.js';
import type { SimFlash } from './flash-chip.js';
import { FLASH_BLOCK_64K, type FlashTiming } from './flash-timing.js';
import { StreamingInflate } from './streaming-inflate.js';

/**
 * One FLASH_BEGIN…FLASH_END (or FLASH_DEFL_*) write. The ROM erases the whole region at BEGIN and writes
 * each block where its sequence number puts it; the stub erases just in time (64 KB blocks where it can,
 * else 4 KB sectors) and writes the stream of bytes in order. Compressed blocks are inflated as they come.
 */
export type WriteFailure = 'too-much-data' | 'inflate' | 'out-of-range' | 'sequence';

export interface FlashDownloadOptions {
  offset: number;
  /** Uncompressed bytes the host will write (the stub) or the region to erase (the ROM). */
  size: number;
  blockSize: number;
  blocks: number;
  compressed: boolean;
  eraseUpFront: boolean;
}

export class FlashDownload {
  private written = 0;
  private nextSeq = 0;
  /** First byte not yet erased in this session (stub only). */
  private erasedTo: number;
  private readonly inflate: StreamingInflate | undefined;

  constructor(
    private readonly flash: SimFlash,
    private readonly timing: FlashTiming,
    readonly opts: FlashDownloadOptions,
  ) {
    this.erasedTo = opts.offset;
    this.inflate = opts.compressed ? new StreamingInflate() : undefined;
  }

  /** The ROM's erase at BEGIN; returns how long it takes. */
  eraseRegion(): number {
    if (this.opts.size === 0) return 0;
    this.flash.erase(this.opts.offset, this.opts.size);
    this.erasedTo = this.opts.offset + this.opts.size;
    return this.timing.eraseMs(this.opts.offset, this.opts.size);
  }

  get remaining(): number {
    return Math.max(0, this.opts.size - this.written);
  }

  get complete(): boolean {
    return this.written >= this.opts.size;
  }

  /** Writes one block; resolves with the milliseconds the flash is busy with it, or the failure. */
  async writeBlock(seq: number, block: Uint8Array): Promise<{ ok: true; busyMs: number } | { ok: false; failure: WriteFailure }> {
    if (seq !== this.nextSeq) return { ok: false, failure: 'sequence' };
    this.nextSeq++;
    let data: Uint8Array;
    if (this.inflate) {
      try {
        data = await this.inflate.push(block);
      } catch {
        return { ok: false, failure: 'inflate' };
      }
    } else {
      data = block;
    }
    if (this.opts.eraseUpFront) {
      // ROM: the block lands at its slot; a padded last block may run past the erased region, as on the chip.
      const at = this.opts.offset + seq * this.opts.blockSize;
      if (this.inflate) return this.program(this.opts.offset + this.written, data, 0);
      return this.program(at, data, 0);
    }
    // Stub: a stream of exactly `size` bytes; the uncompressed writer drops the 0xFF padding of the last block.
    if (!this.inflate && data.length > this.remaining) data = data.subarray(0, this.remaining);
    if (data.length > this.remaining) return { ok: false, failure: 'too-much-data' };
    const at = this.opts.offset + this.written;
    return this.program(at, data, this.eraseUpTo(at + data.length));
  }

  close(): void {
    this.inflate?.close();
  }

  private program(at: number, data: Uint8Array, eraseMs: number): { ok: true; busyMs: number } | { ok: false; failure: WriteFailure } {
    if (!this.flash.contains(at, data.length)) return { ok: false, failure: 'out-of-range' };
    this.flash.program(at, data);
    this.written += data.length;
    return { ok: true, busyMs: eraseMs + this.timing.programMs(data.length) };
  }

  private eraseUpTo(end: number): number {
    let ms = 0;
    const sessionEnd = this.opts.offset + this.opts.size;
    while (this.erasedTo < end) {
      const at = Math.floor(this.erasedTo / FLASH_SECTOR) * FLASH_SECTOR;
      const len = at % FLASH_BLOCK_64K === 0 && sessionEnd - at >= FLASH_BLOCK_64K ? FLASH_BLOCK_64K : FLASH_SECTOR;
      const clipped = Math.min(len, this.flash.size - at);
      if (clipped <= 0) break;
      this.flash.erase(at, clipped);
      ms += this.timing.eraseMs(at, clipped);
      this.erasedTo = at + clipped;
    }
    return ms;
  }
}

/**
 * How a file is cut into the execs that write it. Where the board has `deflate`, each exec carries one
 * zlib stream of its own (independent streams: an exec cannot hand a half-read stream to the next), as
 * base64; elsewhere each carries the file's own bytes as base64.
 */
import { deflateSync } from 'node:zlib';
import { PUSH_WINDOW_BITS, writeChunkCode, writeDeflatedChunkCode } from './board-code.js';

/**
 * File bytes per exec in plain base64: its literal (10.9 KB) and the decoded bytes are what the board holds
 * at once while the exec runs, a small part of the heap even on an ESP32 without PSRAM.
 */
export const PUSH_CHUNK_BYTES = 8192;
/** File bytes per deflated exec: a typical script (20-30 KB) goes in one exec. */
export const DEFLATE_SLICE_BYTES = 32 * 1024;
/** The most compressed bytes one exec carries (16 KB of base64), so binary data that will not compress keeps the literal small. */
export const MAX_DEFLATED_BYTES = 12 * 1024;

export interface PushChunk {
  /** The Python the exec runs. */
  code: string;
  /** Where in the file this chunk ends. */
  end: number;
}

export function plainChunks(data: Uint8Array): PushChunk[] {
  const chunks: PushChunk[] = [];
  for (let at = 0; at < data.length; at += PUSH_CHUNK_BYTES) {
    const end = Math.min(data.length, at + PUSH_CHUNK_BYTES);
    chunks.push({ code: writeChunkCode(Buffer.from(data.subarray(at, end)).toString('base64')), end });
  }
  return chunks;
}

export function deflatedChunks(data: Uint8Array): PushChunk[] {
  const chunks: PushChunk[] = [];
  for (let at = 0; at < data.length; at += DEFLATE_SLICE_BYTES) addDeflated(chunks, data, at, Math.min(data.length, at + DEFLATE_SLICE_BYTES));
  return chunks;
}

/** A slice whose stream is larger than one exec may carry is halved until each half fits. */
function addDeflated(chunks: PushChunk[], data: Uint8Array, start: number, end: number): void {
  const stream = deflateSync(data.subarray(start, end), { level: 9, windowBits: PUSH_WINDOW_BITS, memLevel: 9 });
  if (stream.length > MAX_DEFLATED_BYTES && end - start > 1024) {
    const middle = start + Math.ceil((end - start) / 2);
    addDeflated(chunks, data, start, middle);
    addDeflated(chunks, data, middle, end);
    return;
  }
  chunks.push({ code: writeDeflatedChunkCode(stream.toString('base64')), end });
}

import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { ESPLoader } from 'esptool-js';
import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';

const log = logger('flash');

export interface WriteProgress {
  /** Uncompressed bytes of the image written so far. */
  written: number;
  total: number;
  /** Compressed bytes sent so far. */
  sent: number;
  compressedTotal: number;
}

/**
 * zlib at level 9, as esptool; memLevel 9 lets the compressor look for matches in more of the data and shaves
 * a little off what crosses the line. It changes only the compressor's memory: the stream is standard zlib.
 */
export const DEFLATE_OPTIONS = { level: 9, memLevel: 9 } as const;

/** esptool's allowance for the stub writing flash (ERASE_WRITE_TIMEOUT_PER_MB). */
const WRITE_MS_PER_MB = 40_000;
const MIN_TIMEOUT_MS = 3_000;
const timeoutFor = (perMb: number, bytes: number) => Math.max(MIN_TIMEOUT_MS, Math.ceil((perMb * bytes) / 1_000_000));

/**
 * Writes `image` at `offset` through the stub's compressed commands, then checks the flash's MD5 against the
 * image's. The loop is ours rather than esptool-js's writeFlash, which re-inflates every block a byte at a time
 * just to count progress, leaving the line idle for seconds on a 1.5 MB image.
 */
export async function writeImage(
  loader: ESPLoader,
  image: Uint8Array,
  offset: number,
  onProgress: (p: WriteProgress) => void,
  /** The image already deflated with DEFLATE_OPTIONS, e.g. while the board was being reached. */
  deflated?: Uint8Array,
): Promise<{ md5: string }> {
  const compressed = deflated ?? deflateSync(image, DEFLATE_OPTIONS);
  const blockSize = loader.FLASH_WRITE_SIZE;
  const blocks = await loader.flashDeflBegin(image.length, compressed.length, offset);
  // Each compressed block stands for about this much flash, which is what the stub has to erase and write.
  const ratio = image.length / Math.max(1, compressed.length);
  for (let seq = 0; seq < blocks; seq++) {
    const block = compressed.subarray(seq * blockSize, (seq + 1) * blockSize);
    await loader.flashDeflBlock(block, seq, timeoutFor(WRITE_MS_PER_MB, block.length * ratio));
    const sent = Math.min(compressed.length, (seq + 1) * blockSize);
    onProgress({ written: Math.min(image.length, Math.round(sent * ratio)), total: image.length, sent, compressedTotal: compressed.length });
  }
  log.debug(`${blocks} blocks sent at ${Math.round(performance.now())} ms`);
  // Ends compressed mode without running the firmware (the stub writes out its last block): our hard reset
  // follows later, as esptool does after a write.
  await loader.flashDeflFinish(false);
  log.debug(`flash written at ${Math.round(performance.now())} ms`);
  const expected = createHash('md5').update(image).digest('hex');
  const actual = await loader.flashMd5sum(offset, image.length);
  if (actual !== expected) {
    throw new Esp32CamError(
      'E_FLASH_VERIFY',
      `The flash at 0x${offset.toString(16)} does not match the image (MD5 ${actual}, expected ${expected})`,
      'Flash again; if it fails again, try --baud 115200, --erase, and a better USB cable or power supply.',
    );
  }
  return { md5: actual };
}

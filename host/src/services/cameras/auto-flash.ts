import sharp from 'sharp';
import type { CaptureOptions } from '../../devices/camera/types.js';

/**
 * Below this mean luma (0–255) a photo counts as dark and flash `auto` takes it again with the LED. A daylit
 * scene averages about 100 and more, a night scene under 30; the simulator's test card is 77 in full light
 * and 8 at an ambient light of 0.1.
 */
export const DARK_LUMA = 40;
/** How long a dark verdict is trusted before a photo without the LED judges the scene again. */
export const DARK_MEMORY_MS = 10 * 60_000;

/** The mean luma of a JPEG, 0 (black) to 255 (white), from a small decode: the average needs no detail. */
export async function meanLuma(jpeg: Buffer): Promise<number> {
  const stats = await sharp(jpeg).resize({ width: 80, height: 80, fit: 'inside', withoutEnlargement: true }).greyscale().stats();
  return stats.channels[0]!.mean;
}

export interface AutoFlashShot {
  jpeg: Buffer;
  /** Whether the flash LED lit this photo. */
  flash: boolean;
  /** The mean luma of the photo taken without the LED, when one was judged. */
  luma?: number;
}

export interface AutoFlashOptions {
  darkLuma?: number;
  memoryMs?: number;
  now?: () => number;
}

/**
 * Flash `auto` for one camera. A photo is taken without the LED and judged by its mean luma; a dark one is
 * taken again with the LED. The camera remembers a dark verdict for `memoryMs`, and meanwhile its photos go
 * straight to the LED: a photo lit by the LED says nothing about the scene, so only one without it can find
 * that the light came back, which is what happens once the verdict is older than that.
 */
export class AutoFlash {
  private readonly darkLuma: number;
  private readonly memoryMs: number;
  private readonly now: () => number;
  private darkSince: number | undefined;

  constructor(opts: AutoFlashOptions = {}) {
    this.darkLuma = opts.darkLuma ?? DARK_LUMA;
    this.memoryMs = opts.memoryMs ?? DARK_MEMORY_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Whether the last judged photo was dark, and recently enough to go straight to the LED. */
  get remembersDark(): boolean {
    return this.darkSince !== undefined && this.now() - this.darkSince < this.memoryMs;
  }

  /** Takes one photo through `capture`, with the LED when the scene is dark. */
  async take(capture: (options: CaptureOptions) => Promise<Buffer>, fresh: boolean): Promise<AutoFlashShot> {
    if (this.remembersDark) return { jpeg: await capture({ fresh: true, flash: true }), flash: true };
    const plain = await capture({ fresh });
    const luma = await meanLuma(plain);
    if (luma >= this.darkLuma) {
      this.darkSince = undefined;
      return { jpeg: plain, flash: false, luma };
    }
    this.darkSince = this.now();
    return { jpeg: await capture({ fresh: true, flash: true }), flash: true, luma };
  }
}

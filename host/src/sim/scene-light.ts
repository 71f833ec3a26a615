import sharp from 'sharp';

/**
 * The light a simulated frame gets: the scene's ambient level, plus the flash LED's when it was on. The card
 * as drawn is light 1; a frame never gets more (the sensor's exposure would hold a brighter scene there).
 *
 * The LED shows in a frame only once it has been on for a while: CameraWebServer switches it on 150 ms before
 * esp_camera_fb_get() "or it won't be visible in the frame" (docs/hardware.md §1). The simulator ramps the
 * LED's share from nothing, in a frame exposed as it goes on, to all of it 150 ms later, so a host that does
 * not wait gets a dim photo. The amounts are the simulator's own choice, large enough to measure.
 */
export const FLASH_LIGHT = 0.7;
export const FLASH_RAMP_MS = 150;

/** The ambient light a board starts with: the test card as drawn. */
export const DEFAULT_AMBIENT = 1;

export interface Exposure {
  /** The scene's light, 0 (dark) to 1. */
  ambient?: number;
  /** When the frame was exposed (ms since the epoch). */
  exposedAt?: number;
  /** When the flash LED went on (ms since the epoch); absent when it was off. */
  flashOnAt?: number;
}

export function exposureLight(e: Exposure): number {
  const ambient = e.ambient ?? DEFAULT_AMBIENT;
  const lead = e.flashOnAt === undefined || e.exposedAt === undefined ? undefined : e.exposedAt - e.flashOnAt;
  const flash = lead === undefined ? 0 : FLASH_LIGHT * Math.min(1, Math.max(0, lead) / FLASH_RAMP_MS);
  return Math.min(1, ambient + flash);
}

/** Scales raw RGB pixels (3 bytes each) by `light`; light 1 leaves them as they are. */
export async function applyLight(rgb: Buffer, width: number, height: number, light: number): Promise<Buffer> {
  if (light >= 1) return rgb;
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .linear(light, 0)
    .removeAlpha()
    .raw()
    .toBuffer();
}

import sharp from 'sharp';
import type { FaultCounters } from './faults.js';
import type { SeededRandom } from './rng.js';
import { applyLight, exposureLight } from './scene-light.js';
import { applyLook, parseLook } from './sensor-look.js';
import { encodeTestCard, renderTestCardRgb } from './test-card.js';

/** esp32-camera's pixformat_t values the camera module accepts. */
export const PIXFORMAT = { RGB565: 0, YUV422: 1, GRAYSCALE: 3, JPEG: 4 } as const;

export interface FrameRequest {
  width: number;
  height: number;
  quality: number;
  format: number;
  /** The driver's frame buffer, sized at camera.init (width*height/5 for JPEG). */
  fbLen: number;
  /** The sensor settings the frame was exposed with (sensor-look.ts); neutral when absent. */
  look?: string;
  /** When the frame was exposed (ms since the epoch): a held frame can be much older than the capture. */
  exposedAt?: number;
  /** The scene's light when the frame was exposed, 0..1 (scene-light.ts); 1 when absent. */
  ambient?: number;
  /** When the flash LED went on (ms since the epoch), for a frame exposed while it was on. */
  flashOnAt?: number;
}

export type FrameSource = (req: { width: number; height: number; quality: number; frame: number }) => Promise<Buffer>;

/**
 * - `frame`: a picture the driver hands back;
 * - `fault`: no usable frame arrives (the sensor stalls, SOI missing…): esp_camera_fb_get times out;
 * - `overflow`: the JPEG did not fit the frame buffer (FB-OVF), so the driver drops every such frame.
 */
export type FrameOutcome = { outcome: 'frame'; data: Buffer } | { outcome: 'fault'; reason: string } | { outcome: 'overflow'; size: number };

/**
 * The host half of the simulated OV2640: it makes each frame (the test card, or the caller's
 * frameSource) and applies injected camera faults. Timing is the worker's business.
 */
export class SimCamera {
  frames = 0;

  constructor(private readonly opts: { frameSource?: FrameSource; rng: SeededRandom; faults: FaultCounters; seed: number }) {}

  async capture(req: FrameRequest): Promise<FrameOutcome> {
    if (this.opts.faults.take('cameraFailures')) return { outcome: 'fault', reason: 'injected camera failure' };
    const frame = ++this.frames;
    let data: Buffer;
    try {
      data = await this.render(req, frame);
    } catch (err) {
      return { outcome: 'fault', reason: `frame source failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (req.format === PIXFORMAT.JPEG && this.opts.faults.take('truncatedFrames')) data = truncate(data, this.opts.rng);
    if (data.length > req.fbLen) return { outcome: 'overflow', size: data.length };
    return { outcome: 'frame', data };
  }

  private async render(req: FrameRequest, frame: number): Promise<Buffer> {
    const { width, height, quality } = req;
    if (this.opts.frameSource) return Buffer.from(await this.opts.frameSource({ width, height, quality, frame }));
    const time = new Date(req.exposedAt ?? Date.now());
    const card = await renderTestCardRgb({ width, height, frame, time, seed: this.opts.seed });
    // The scene's light reaches the sensor before any of its own processing.
    const light = exposureLight(req);
    const rgb = await applyLook(await applyLight(card, width, height, light), width, height, parseLook(req.look));
    if (req.format === PIXFORMAT.JPEG) {
      const flashOnAt = req.flashOnAt === undefined ? undefined : new Date(req.flashOnAt);
      return encodeTestCard(rgb, { width, height, quality, time, light, flashOnAt });
    }
    return rawFrame(rgb, width, height, req.format);
  }
}

/** Cuts a JPEG short somewhere in its second half, making sure it does not still end in FF D9. */
function truncate(jpeg: Buffer, rng: SeededRandom): Buffer {
  let len = Math.max(2, Math.floor(jpeg.length * rng.between(0.5, 0.9)));
  while (len > 2 && jpeg[len - 2] === 0xff && jpeg[len - 1] === 0xd9) len--;
  return jpeg.subarray(0, len);
}

/** The raw formats the driver can deliver instead of JPEG, from the test card's RGB pixels. */
async function rawFrame(rgb: Buffer, width: number, height: number, format: number): Promise<Buffer> {
  if (format === PIXFORMAT.GRAYSCALE) {
    return sharp(rgb, { raw: { width, height, channels: 3 } })
      .greyscale()
      .raw()
      .toBuffer();
  }
  const out = Buffer.alloc(width * height * 2);
  for (let p = 0, o = 0; p < rgb.length; p += 6, o += 4) {
    const r0 = rgb[p],
      g0 = rgb[p + 1],
      b0 = rgb[p + 2];
    const r1 = rgb[p + 3] ?? r0,
      g1 = rgb[p + 4] ?? g0,
      b1 = rgb[p + 5] ?? b0;
    if (format === PIXFORMAT.RGB565) {
      // The OV2640 sends RGB565 big-endian, high byte first.
      out.writeUInt16BE(((r0 & 0xf8) << 8) | ((g0 & 0xfc) << 3) | (b0 >> 3), o);
      out.writeUInt16BE(((r1 & 0xf8) << 8) | ((g1 & 0xfc) << 3) | (b1 >> 3), o + 2);
    } else {
      // YUV422 as YUYV: two luma samples share one pair of chroma samples (BT.601).
      const y0 = 0.299 * r0 + 0.587 * g0 + 0.114 * b0;
      const y1 = 0.299 * r1 + 0.587 * g1 + 0.114 * b1;
      const r = (r0 + r1) / 2,
        g = (g0 + g1) / 2,
        b = (b0 + b1) / 2;
      const u = -0.169 * r - 0.331 * g + 0.5 * b + 128;
      const v = 0.5 * r - 0.419 * g - 0.081 * b + 128;
      out[o] = clamp(y0);
      out[o + 1] = clamp(u);
      out[o + 2] = clamp(y1);
      out[o + 3] = clamp(v);
    }
  }
  return out;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

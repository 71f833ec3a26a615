import sharp from 'sharp';

/**
 * The simulated camera's picture: colour bars, a grey ramp, the time (HH:MM:SS) and a frame counter
 * in seven-segment digits (drawn as rectangles, so no system font is needed), plus sensor-like noise so
 * the JPEG sizes come out realistic instead of compressing a flat drawing to nothing.
 */
export interface TestCardRequest {
  width: number;
  height: number;
  /** OV2640 quality, 0–63, lower is better (10–63 in practice). */
  quality: number;
  frame: number;
  time: Date;
  /** Seeds the noise, so a frame is reproducible. */
  seed: number;
}

/**
 * OV2640 quality → libjpeg quality. The sensor's register is a quantiser scale: 10 is its finest
 * usable setting and 63 its coarsest. Mapped linearly onto libjpeg 90…20, which makes the test card
 * land where real photos do (about 20 KB for the default VGA at 12, within the driver's buffer at
 * every size; see the sim README numbers in the report).
 */
export function jpegQualityFor(ov2640Quality: number): number {
  const q = Math.min(63, Math.max(0, Math.round(ov2640Quality)));
  const mapped = 72 - ((q - 10) * 62) / 53;
  return Math.min(97, Math.max(5, Math.round(mapped)));
}

const BARS = ['#c0c0c0', '#c0c000', '#00c0c0', '#00c000', '#c000c0', '#c00000', '#0000c0'];

// Segments a..g of a seven-segment digit, in the usual order, per digit 0–9.
const DIGIT_SEGMENTS = ['abcdef', 'bc', 'abdeg', 'abcdg', 'bcfg', 'acdfg', 'acdefg', 'abc', 'abcdefg', 'abcdfg'];

function segmentRects(seg: string, x: number, y: number, w: number, h: number, t: number): string {
  const mid = (h - t) / 2;
  const lower = h - t - (mid + t);
  const r: Record<string, [number, number, number, number]> = {
    a: [t, 0, w - 2 * t, t],
    b: [w - t, t, t, mid - t],
    c: [w - t, mid + t, t, lower],
    d: [t, h - t, w - 2 * t, t],
    e: [0, mid + t, t, lower],
    f: [0, t, t, mid - t],
    g: [t, mid, w - 2 * t, t],
  };
  const [rx, ry, rw, rh] = r[seg];
  return `<rect x="${(x + rx).toFixed(1)}" y="${(y + ry).toFixed(1)}" width="${rw.toFixed(1)}" height="${rh.toFixed(1)}"/>`;
}

/** Seven-segment text of digits and colons, `h` tall, starting at (x, y). */
function sevenSegment(text: string, x: number, y: number, h: number): { svg: string; width: number } {
  const w = h * 0.55;
  const t = Math.max(1, h * 0.12);
  const gap = h * 0.18;
  let cx = x;
  const parts: string[] = [];
  for (const ch of text) {
    if (ch === ':') {
      parts.push(`<rect x="${cx.toFixed(1)}" y="${(y + h * 0.25).toFixed(1)}" width="${t.toFixed(1)}" height="${t.toFixed(1)}"/>`);
      parts.push(`<rect x="${cx.toFixed(1)}" y="${(y + h * 0.7).toFixed(1)}" width="${t.toFixed(1)}" height="${t.toFixed(1)}"/>`);
      cx += t + gap;
      continue;
    }
    const d = Number(ch);
    if (Number.isInteger(d)) for (const seg of DIGIT_SEGMENTS[d]) parts.push(segmentRects(seg, cx, y, w, h, t));
    cx += w + gap;
  }
  return { svg: parts.join(''), width: cx - gap - x };
}

/** Width of a seven-segment string at height h, for centring. */
function sevenSegmentWidth(text: string, h: number): number {
  return sevenSegment(text, 0, 0, h).width;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function testCardSvg(req: Pick<TestCardRequest, 'width' | 'height' | 'frame' | 'time'>): string {
  const { width: W, height: H } = req;
  const barsH = Math.round(H * 0.5);
  const rampH = Math.round(H * 0.1);
  const panelY = barsH + rampH;
  const barW = W / BARS.length;
  const bars = BARS.map((c, i) => `<rect x="${(i * barW).toFixed(1)}" y="0" width="${(barW + 1).toFixed(1)}" height="${barsH}" fill="${c}"/>`).join('');
  const clock = `${pad(req.time.getHours(), 2)}:${pad(req.time.getMinutes(), 2)}:${pad(req.time.getSeconds(), 2)}`;
  const counter = pad(req.frame % 1_000_000, 6);
  const panelH = H - panelY;
  const clockH = Math.min(panelH * 0.5, (W * 0.85) / (sevenSegmentWidth(clock, 1) || 1));
  const counterH = clockH * 0.45;
  const clockSvg = sevenSegment(clock, (W - sevenSegmentWidth(clock, clockH)) / 2, panelY + panelH * 0.1, clockH);
  const counterSvg = sevenSegment(counter, (W - sevenSegmentWidth(counter, counterH)) / 2, panelY + panelH * 0.1 + clockH * 1.25, counterH);
  // A circle and a diagonal give the encoder curved and slanted edges, as a real scene would.
  const r = Math.min(W, barsH) * 0.3;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<defs><linearGradient id="ramp"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient></defs>
<rect width="${W}" height="${H}" fill="#101010"/>
${bars}
<circle cx="${W / 2}" cy="${barsH / 2}" r="${r.toFixed(1)}" fill="none" stroke="#202020" stroke-width="${Math.max(1, r * 0.08).toFixed(1)}"/>
<line x1="0" y1="${barsH}" x2="${W}" y2="0" stroke="#f0f0f0" stroke-width="${Math.max(1, H / 120).toFixed(1)}"/>
<rect x="0" y="${barsH}" width="${W}" height="${rampH}" fill="url(#ramp)"/>
<g fill="#30ff60">${clockSvg.svg}</g>
<g fill="#ffb000">${counterSvg.svg}</g>
</svg>`;
}

/** Adds sensor-like noise in place: each channel moves by up to ±amplitude, from a seeded generator. */
function addNoise(pixels: Buffer, seed: number, amplitude: number): void {
  let s = (seed ^ 0x5bd1e995) >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const n = (((s >>> 0) & 0xff) * (2 * amplitude + 1)) >> 8;
    const v = pixels[i] + n - amplitude;
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

const NOISE_AMPLITUDE = 2;

/** The test card as raw RGB (3 bytes per pixel), noise included. */
export async function renderTestCardRgb(req: Omit<TestCardRequest, 'quality'>): Promise<Buffer> {
  const rgb = await sharp(Buffer.from(testCardSvg(req)))
    .removeAlpha()
    .raw()
    .toBuffer();
  addNoise(rgb, req.seed ^ req.frame, NOISE_AMPLITUDE);
  return rgb;
}

export async function renderTestCard(req: TestCardRequest): Promise<Buffer> {
  return encodeTestCard(await renderTestCardRgb(req), req);
}

/** How a simulated frame was exposed: when, in how much light, and since when the flash LED was on. */
export interface SimExposure {
  exposedAt: Date;
  /** The light the frame got, as a fraction of the test card as drawn (scene-light.ts). */
  light?: number;
  /** When the flash LED went on, for a frame exposed while it was on. */
  flashOnAt?: Date;
}

/** Encodes the card's pixels as the sensor would, with how it was exposed in a COM segment. */
export async function encodeTestCard(
  rgb: Buffer,
  req: Pick<TestCardRequest, 'width' | 'height' | 'quality' | 'time'> & { light?: number; flashOnAt?: Date },
): Promise<Buffer> {
  const jpeg = await sharp(rgb, { raw: { width: req.width, height: req.height, channels: 3 } })
    .jpeg({ quality: jpegQualityFor(req.quality), chromaSubsampling: '4:2:0' })
    .toBuffer();
  let text = `${EXPOSED_PREFIX}${req.time.toISOString()}`;
  if (req.light !== undefined) text += ` light=${req.light.toFixed(3)}`;
  if (req.flashOnAt !== undefined) text += ` flash-on=${req.flashOnAt.toISOString()}`;
  return withComment(jpeg, text);
}

const EXPOSED_PREFIX = 'esp32cam-sim exposed ';

/** A COM segment (FF FE len16 text) right after SOI: decoders skip it, and tests can read it. */
function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'ascii');
  const segment = Buffer.alloc(4 + body.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  body.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** When a simulated frame was exposed, from its COM segment; undefined for a JPEG without one. */
export function exposedAt(jpeg: Uint8Array): Date | undefined {
  return simExposure(jpeg)?.exposedAt;
}

/** How a simulated frame was exposed, from its COM segment; undefined for a JPEG without one. */
export function simExposure(jpeg: Uint8Array): SimExposure | undefined {
  const buf = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (buf.length < 6 || buf.readUInt16BE(2) !== 0xfffe) return undefined;
  const text = buf.toString('ascii', 6, 4 + buf.readUInt16BE(4));
  if (!text.startsWith(EXPOSED_PREFIX)) return undefined;
  const [time, ...fields] = text.slice(EXPOSED_PREFIX.length).split(' ');
  const out: SimExposure = { exposedAt: new Date(time!) };
  for (const field of fields) {
    const [key, value = ''] = field.split('=');
    if (key === 'light') out.light = Number(value);
    else if (key === 'flash-on') out.flashOnAt = new Date(value);
  }
  return out;
}

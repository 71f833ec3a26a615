import sharp from 'sharp';

/**
 * The OV2640 settings that change what a frame looks like, as the simulated board renders them on the test
 * card. Values are those of freshev's setters. The amounts are the simulator's own choice: large enough to
 * measure, in the direction the sensor goes; they are not the sensor's register values.
 */
export interface SensorLook {
  vflip: number;
  hmirror: number;
  brightness: number;
  contrast: number;
  saturation: number;
  /** speffect: 0 none, 1 negative, 2 grayscale, 3 red, 4 green, 5 blue tint, 6 sepia. */
  effect: number;
  /** whitebalance: 0 auto, 1 sunny, 2 cloudy, 3 office, 4 home. */
  wb: number;
}

export const NEUTRAL_LOOK: SensorLook = { vflip: 0, hmirror: 0, brightness: 0, contrast: 0, saturation: 0, effect: 0, wb: 0 };
const LOOK_ORDER: ReadonlyArray<keyof SensorLook> = ['vflip', 'hmirror', 'brightness', 'contrast', 'saturation', 'effect', 'wb'];

/** The worker's "vflip,hmirror,brightness,contrast,saturation,effect,wb"; missing or bad fields stay neutral. */
export function parseLook(text: string | undefined): SensorLook {
  const look = { ...NEUTRAL_LOOK };
  (text ?? '').split(',').forEach((field, i) => {
    const key = LOOK_ORDER[i];
    const n = Number(field);
    if (key && field !== '' && Number.isInteger(n)) look[key] = n;
  });
  return look;
}

type Row = [number, number, number];
type Matrix = [Row, Row, Row];
const LUMA: Row = [0.299, 0.587, 0.114];
const scaled = (k: number): Row => [LUMA[0] * k, LUMA[1] * k, LUMA[2] * k];
/** Each effect as a colour matrix on RGB; negative is sharp's negate. */
const EFFECT_MATRIX: Record<number, Matrix> = {
  2: [LUMA, LUMA, LUMA],
  3: [scaled(1.3), scaled(0.8), scaled(0.8)],
  4: [scaled(0.8), scaled(1.3), scaled(0.8)],
  5: [scaled(0.8), scaled(0.8), scaled(1.3)],
  6: [
    [0.393, 0.769, 0.189],
    [0.349, 0.686, 0.168],
    [0.272, 0.534, 0.131],
  ],
};
/** Per-channel gains of the fixed white-balance modes: warmer for sunlight and clouds, cooler indoors. */
const WB_GAINS: Record<number, [number, number, number]> = {
  1: [1.1, 1, 0.88],
  2: [1.2, 1, 0.8],
  3: [0.9, 1.03, 1.12],
  4: [0.8, 1, 1.25],
};

/** Applies the look to raw RGB pixels (3 bytes each) with sharp, one operation at a time, in the sensor's order. */
export async function applyLook(rgb: Buffer, width: number, height: number, look: SensorLook): Promise<Buffer> {
  const steps: Array<(img: sharp.Sharp) => sharp.Sharp> = [];
  if (look.vflip) steps.push((img) => img.flip());
  if (look.hmirror) steps.push((img) => img.flop());
  const gains = WB_GAINS[look.wb];
  if (gains) steps.push((img) => img.linear(gains, [0, 0, 0]));
  if (look.brightness) steps.push((img) => img.linear(1, look.brightness * 32));
  if (look.contrast) {
    const a = 1 + 0.3 * look.contrast;
    steps.push((img) => img.linear(a, 128 * (1 - a)));
  }
  if (look.saturation) steps.push((img) => img.modulate({ saturation: Math.max(0, 1 + 0.4 * look.saturation) }));
  const matrix = EFFECT_MATRIX[look.effect];
  if (look.effect === 1) steps.push((img) => img.negate({ alpha: false }));
  else if (matrix) steps.push((img) => img.recomb(matrix));
  let out = rgb;
  // sharp runs the operations of one pipeline in its own fixed order, so each gets a pipeline of its own.
  for (const step of steps) {
    out = await step(sharp(out, { raw: { width, height, channels: 3 } }))
      .removeAlpha()
      .raw()
      .toBuffer();
  }
  return out;
}

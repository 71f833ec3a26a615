import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { packageRoot } from '../../host/src/paths.js';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';

const FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');
const SLOW_FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'slow_legacy_slave.py');

/**
 * A real JPEG whose middle is a comment segment of 0xC9 bytes, `size` bytes in all: most 100-byte slices then
 * end in 0xC9, so the empty ring's garbage after them reads 0xC9 0xC9..., exactly like a lone 201 status.
 */
async function jpegFullOf201(size: number): Promise<Buffer> {
  const base = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
  const fill = size - base.length - 4;
  const comment = Buffer.alloc(4 + fill, 0xc9);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(fill + 2, 2);
  return Buffer.concat([base.subarray(0, 2), comment, base.subarray(2)]);
}

const boards: SimulatedEsp32Cam[] = [];
async function board(opts: SimOptions): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ seed: 17, bootMs: 0, ...opts });
  boards.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
});

describe('legacy polling against the field script', () => {
  it('is not fooled when the idle garbage is 0xC9 and the 201 arrives alone (parts queued apart)', async () => {
    const photo = await jpegFullOf201(3_050);
    const sim = await board({ script: SLOW_FIELD_SCRIPT, frameSource: async () => photo });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    const attempts: number[] = [];
    client.on('progress', (p) => attempts.push(p.attempt));
    for (let i = 0; i < 2; i++) expect((await client.capture()).equals(photo)).toBe(true);
    expect(Math.max(...attempts)).toBe(1);
  });

  it('reads the same photo exactly from the unmodified field script at 100 and 400 kHz', async () => {
    const photo = await jpegFullOf201(2_345);
    for (const busHz of [100_000, 400_000]) {
      const sim = await board({ script: FIELD_SCRIPT, busHz, frameSource: async () => photo });
      const client = new CameraClient({ bus: sim, protocol: 'legacy' });
      const attempts: number[] = [];
      client.on('progress', (p) => attempts.push(p.attempt));
      for (let i = 0; i < 2; i++) expect((await client.capture()).equals(photo)).toBe(true);
      expect(Math.max(...attempts)).toBe(1);
    }
  });
});

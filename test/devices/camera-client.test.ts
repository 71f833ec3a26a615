import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { Esp32CamError } from '../../host/src/errors.js';
import { packageRoot } from '../../host/src/paths.js';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';
import type { CaptureProgress } from '../../host/src/devices/camera/types.js';

const FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');
const SLOW_FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'slow_legacy_slave.py');

/** A real JPEG padded with a COM segment to exactly `size` bytes, so tests control the photo byte for byte. */
async function jpegOfSize(size: number, seed = 1): Promise<Buffer> {
  const base = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed * 40, g: 90, b: 160 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
  const pad = size - base.length - 4;
  if (pad < 0 || pad > 65533) throw new Error(`cannot pad a ${base.length}-byte JPEG to ${size}`);
  const com = Buffer.alloc(4 + pad, 0x20);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(pad + 2, 2);
  return Buffer.concat([base.subarray(0, 2), com, base.subarray(2)]);
}

const boards: SimulatedEsp32Cam[] = [];
async function board(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ seed: 7, bootMs: 0, ...opts });
  boards.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
});

describe('CameraClient against the project slave script (protocol 2)', () => {
  it('probes protocol 2 and returns the exact photo the camera took', async () => {
    const photo = await jpegOfSize(5_321);
    const sim = await board({ frameSource: async () => photo });
    const client = new CameraClient({ bus: sim });
    const ping = await client.ping();
    expect(ping.protocol).toBe('v2');
    expect(ping.firmware).toMatch(/^esp32cam-slave/);
    const got = await client.capture();
    expect(got.equals(photo)).toBe(true);
    expect(client.protocolInUse).toBe('v2');
  });

  it('captures the simulated test card as a QVGA JPEG sharp can decode', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    const progress: CaptureProgress[] = [];
    client.on('progress', (p) => progress.push(p));
    const jpeg = await client.capture();
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
    const downloading = progress.filter((p) => p.phase === 'downloading');
    expect(downloading.at(-1)).toMatchObject({ bytes: jpeg.length, total: jpeg.length });
    expect(progress.at(-1)?.phase).toBe('done');
  });

  it('reads through corrupted transfers by asking for the chunk again', async () => {
    const photo = await jpegOfSize(7_000);
    const sim = await board({ frameSource: async () => photo });
    const client = new CameraClient({ bus: sim });
    await client.ping();
    sim.inject({ corruptReads: 4 });
    expect((await client.capture()).equals(photo)).toBe(true);
    expect(sim.info().frames).toBe(1);
  });

  it('retries a truncated frame and never returns it', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    sim.inject({ truncatedFrames: 1 });
    const jpeg = await client.capture();
    expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9');
    expect(sim.info().frames).toBe(2);
  });

  it('reports a camera that keeps failing as E_CAMERA_FAILED with the reason', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim, captureRetries: 1 });
    sim.inject({ cameraFailures: 2 });
    const err = await client.capture().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Esp32CamError);
    expect((err as Esp32CamError).code).toBe('E_CAMERA_FAILED');
    expect((err as Esp32CamError).message).toMatch(/capture failed/);
    // The slave is still fine afterwards.
    expect((await client.capture()).length).toBeGreaterThan(1000);
  });

  it('shares one photo between concurrent captures', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    const [a, b, c] = await Promise.all([client.capture(), client.capture(), client.capture()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(sim.info().frames).toBe(1);
  });

  it('keeps commands from interleaving: flash, ping and capture at once all succeed', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    const [, ping, jpeg] = await Promise.all([client.setLed(true), client.ping(), client.capture(), client.setLed(false)]);
    expect(ping.protocol).toBe('v2');
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(sim.info().flashLed).toBe(false);
    await client.setLed(true);
    expect(sim.info().flashLed).toBe(true);
  });

  it('skips stale bytes an earlier master left in the TX ring', async () => {
    const photo = await jpegOfSize(3_000);
    const sim = await board({ frameSource: async () => photo });
    // Another master sent commands and never read the answers.
    await sim.i2cWrite(0x2c, 4, Buffer.from('ping'));
    await new Promise((r) => setTimeout(r, 40));
    await sim.i2cWrite(0x2c, 7, Buffer.from('capture'));
    await new Promise((r) => setTimeout(r, 40));
    await sim.i2cWrite(0x2c, 3, Buffer.from('get'));
    await new Promise((r) => setTimeout(r, 40));
    const client = new CameraClient({ bus: sim });
    expect((await client.capture()).equals(photo)).toBe(true);
  });
});

describe('CameraClient against the field slave script (legacy)', () => {
  it('falls back to legacy in auto mode and reassembles the photo exactly', async () => {
    const photo = await jpegOfSize(2_345);
    const sim = await board({ script: FIELD_SCRIPT, frameSource: async () => photo });
    const client = new CameraClient({ bus: sim, protocol: 'auto' });
    expect((await client.ping()).protocol).toBe('legacy');
    expect((await client.capture()).equals(photo)).toBe(true);
  });

  it('handles a photo whose size is an exact multiple of 100', async () => {
    const photo = await jpegOfSize(2_400);
    const sim = await board({ script: FIELD_SCRIPT, frameSource: async () => photo });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    expect((await client.capture()).equals(photo)).toBe(true);
    // And again: the slave's slice counter was reset by the zero-length slice.
    expect((await client.capture()).equals(photo)).toBe(true);
  });

  it('drains and retakes the photo when a corrupted status byte arrives', async () => {
    const photo = await jpegOfSize(1_500);
    const sim = await board({ script: FIELD_SCRIPT, frameSource: async () => photo });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    await client.ping();
    // The next read is the poll for the capture's status byte. Whatever the flip turns it into, the real
    // status arrives later and must not be mistaken for the first byte of a slice.
    sim.inject({ corruptReads: 1 });
    expect((await client.capture()).equals(photo)).toBe(true);
    expect((await client.capture()).equals(photo)).toBe(true);
  });

  it('detects a corrupted slice header and never returns a photo of the wrong length', async () => {
    const photo = await jpegOfSize(3_000);
    const sim = await board({ script: FIELD_SCRIPT, frameSource: async () => photo, seed: 3 });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    await client.ping();
    // Flipped bytes land anywhere in the reads. The legacy protocol has no checksum, so a flip inside a slice's
    // data cannot be seen (protocol 2 catches it, see above); a flip in a status or length byte must be caught.
    for (let i = 0; i < 4; i++) {
      sim.inject({ corruptReads: 3 });
      const got = await client.capture().catch((e: unknown) => e);
      if (got instanceof Esp32CamError) continue;
      expect(got).toBeInstanceOf(Buffer);
      expect((got as Buffer).length).toBe(photo.length);
      expect((got as Buffer).subarray(0, 2).toString('hex') + (got as Buffer).subarray(-2).toString('hex')).toBe('ffd8ffd9');
    }
    expect((await client.capture()).equals(photo)).toBe(true);
  });

  it('finishes replies whose parts are queued apart, without taking the photo again', async () => {
    // The field script queues status, length and data with three setdata calls; this board queues each part
    // only once the master has read the one before, so reads land between the parts: after the 201, or after
    // the length but before the data.
    const photo = await jpegOfSize(2_050);
    const sim = await board({ script: SLOW_FIELD_SCRIPT, frameSource: async () => photo });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    const attempts: number[] = [];
    client.on('progress', (p) => attempts.push(p.attempt));
    for (let i = 0; i < 3; i++) expect((await client.capture()).equals(photo)).toBe(true);
    expect(Math.max(...attempts)).toBe(1);
    expect(sim.info().frames).toBe(3);
  });

  it('explains a failed capture on the field script, which answers 200 and then never sends the photo', async () => {
    const sim = await board({ script: FIELD_SCRIPT });
    const client = new CameraClient({ bus: sim, protocol: 'legacy', captureRetries: 0, commandTimeoutMs: 600 });
    await client.ping();
    sim.inject({ cameraFailures: 1 });
    const err = (await client.capture().catch((e: unknown) => e)) as Esp32CamError;
    expect(err.code).toBe('E_CAMERA_FAILED');
    expect(err.hint).toMatch(/ribbon cable/);
  });

  it('switches the flash LED', async () => {
    const sim = await board({ script: FIELD_SCRIPT });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    await client.setLed(true);
    expect(sim.info().flashLed).toBe(true);
    await client.setLed(false);
    expect(sim.info().flashLed).toBe(false);
  });
});

describe('CameraClient errors', () => {
  it('gives E_NO_ACK with wiring advice for a wrong address', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim, address: 0x2d });
    const err = (await client.ping().catch((e: unknown) => e)) as Esp32CamError;
    expect(err.code).toBe('E_NO_ACK');
    expect(err.message).toMatch(/0x2d/);
    expect(err.hint).toMatch(/wiring.*address.*slave script/);
  });

  it('refuses an address outside the 7-bit range', () => {
    expect(() => new CameraClient({ bus: {} as never, address: 0x80 })).toThrow(/outside 0x03..0x77/);
  });

  it('rejects after close with E_CLOSED', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    client.close();
    await expect(client.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('a stuck bus', () => {
  it('is a typed error to a legacy client, never a bare Error: SDA held low reads as 0x00', async () => {
    const sim = await board({ script: FIELD_SCRIPT });
    const client = new CameraClient({ bus: sim, protocol: 'legacy' });
    await client.ping();
    sim.fault({ kind: 'bus-stuck', seconds: null });
    const err = await client.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Esp32CamError);
    expect((err as Esp32CamError).code).toMatch(/^E_(BAD_REPLY|TIMEOUT)$/);
  });
});

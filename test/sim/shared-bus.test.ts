import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { SimI2cBus, SimulatedEsp32Cam, transactionMs } from '../../host/src/sim/index.js';
import { checkJpeg } from '../../protocol/src/index.js';

const boards: SimulatedEsp32Cam[] = [];
const buses: SimI2cBus[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

async function boardAt(bus: SimI2cBus, address: number, seed: number): Promise<SimulatedEsp32Cam> {
  const board = await SimulatedEsp32Cam.start({ i2cBus: bus, seed, bootMs: 0, configOverrides: { I2C_ADDRESS: address } });
  boards.push(board);
  return board;
}

const nackOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: NodeJS.ErrnoException) => e.code ?? String(e),
  );

describe('several simulated boards on one simulated I2C bus', () => {
  it('each answers at its own address, and an address with no board NACKs', async () => {
    const bus = new SimI2cBus(400_000);
    buses.push(bus);
    const a = await boardAt(bus, 0x2c, 1);
    const b = await boardAt(bus, 0x2d, 2);
    expect(bus.boardCount).toBe(2);
    expect([a.info().address, b.info().address]).toEqual([0x2c, 0x2d]);
    expect(a.info().busHz).toBe(400_000);
    const one = Buffer.alloc(1);
    expect(await nackOf(bus.i2cRead(0x2c, 1, one))).toBe('ok');
    expect(await nackOf(bus.i2cRead(0x2d, 1, one))).toBe('ok');
    expect(await nackOf(bus.i2cRead(0x2e, 1, one))).toBe('EREMOTEIO');
    // A board that is gone leaves its address silent, and the other board keeps answering.
    await b.close();
    expect(bus.boardCount).toBe(1);
    expect(await nackOf(bus.i2cRead(0x2d, 1, one))).toBe('EREMOTEIO');
    expect(await nackOf(bus.i2cRead(0x2c, 1, one))).toBe('ok');
  });

  it('gives each camera its own photo when both capture at once, the wire taken in turns', async () => {
    const bus = new SimI2cBus(100_000);
    buses.push(bus);
    const a = await boardAt(bus, 0x2c, 3);
    const b = await boardAt(bus, 0x2d, 4);
    const front = new CameraClient({ bus, address: 0x2c });
    const back = new CameraClient({ bus, address: 0x2d });
    const started = performance.now();
    const [pa, pb] = await Promise.all([front.capture(), back.capture()]);
    const elapsed = performance.now() - started;
    expect(checkJpeg(pa).ok && checkJpeg(pb).ok).toBe(true);
    expect(a.info().frames).toBe(1);
    expect(b.info().frames).toBe(1);
    // Two boards render different test cards (their seeds differ), so a mixed-up photo would show.
    expect(pa.equals(pb)).toBe(false);
    // The wire is one resource: together the two downloads take at least the sum of their wire times.
    const wireMs = transactionMs(pa.length, 100_000) + transactionMs(pb.length, 100_000);
    expect(elapsed).toBeGreaterThanOrEqual(wireMs);
  });
});

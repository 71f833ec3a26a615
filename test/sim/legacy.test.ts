import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { LEGACY_SLAVE, consoleOf, read, waitFor, write } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

// The legacy protocol has no framing, so a real master cannot tell an answer from garbage by polling and
// waits a fixed time. The test rig can see the slave's TX ring, so it waits for the answer itself.

/** A 1000-byte "photo" (a multiple of 100): SOI, a counting body, EOI. */
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from(Array.from({ length: 996 }, (_, i) => i % 251)), Buffer.from([0xff, 0xd9])]);

/** Waits until the slave has queued at least `n` bytes for the master. */
async function queued(b: SimulatedEsp32Cam, n: number): Promise<void> {
  expect(await waitFor(() => b.txQueued(44) >= n)).toBe(true);
}

/** A command and its one-byte status, read once the slave has queued it. */
async function command(b: SimulatedEsp32Cam, cmd: string): Promise<number> {
  await write(b, cmd);
  await queued(b, 1);
  return (await read(b, 1))[0];
}

/** One `get` as the reference master does it: status, then u16 LE length, then the data. */
async function get(b: SimulatedEsp32Cam): Promise<{ status: number; data: Buffer }> {
  await write(b, 'get');
  await queued(b, 3);
  const status = (await read(b, 1))[0];
  const len = (await read(b, 2)).readUInt16LE(0);
  if (len > 0) await queued(b, len);
  return { status, data: len > 0 ? await read(b, len) : Buffer.alloc(0) };
}

describe('the legacy field script on the simulated board', () => {
  it('answers ping, flash-on/off and unknown commands byte for byte', async () => {
    board = await SimulatedEsp32Cam.start({ script: LEGACY_SLAVE, seed: 41 });
    const pins: Array<{ pin: number; value: number }> = [];
    board.on('pin', (p: { pin: number; value: number }) => pins.push(p));
    expect(await command(board, 'ping')).toBe(0xc8);
    expect(await command(board, 'flash-on')).toBe(0xc8);
    expect(board.info().flashLed).toBe(true);
    expect(await command(board, 'flash-off')).toBe(0xc8);
    expect(board.info().flashLed).toBe(false);
    expect(pins).toEqual([
      { pin: 4, value: 1 },
      { pin: 4, value: 0 },
    ]);
    expect(await command(board, 'hello')).toBe(0x64);
    // Two commands written back to back merge into "pingget", which is unknown.
    await write(board, 'ping');
    expect(await command(board, 'get')).toBe(0x64);
    expect([...(await read(board, 1))]).toEqual([0x64]); // garbage: the last byte again
  });

  it('serves a photo whose size is a multiple of 100 as full slices, then a zero-length one, then starts over', async () => {
    board = await SimulatedEsp32Cam.start({ script: LEGACY_SLAVE, seed: 42, frameSource: async () => PHOTO });
    expect(await command(board, 'capture')).toBe(0xc8);
    const slices: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      const { status, data } = await get(board);
      expect(status).toBe(0xc9);
      expect(data.length).toBe(100);
      slices.push(data);
    }
    expect(Buffer.concat(slices).equals(PHOTO)).toBe(true);
    const end = await get(board);
    expect([end.status, end.data.length]).toEqual([0xc9, 0]);
    const again = await get(board);
    expect(again.status).toBe(0xc9);
    expect(again.data.equals(PHOTO.subarray(0, 100))).toBe(true);
  });

  it('answers 200 to a failed capture, then nothing at all to get', async () => {
    board = await SimulatedEsp32Cam.start({ script: LEGACY_SLAVE, seed: 43, faults: { cameraFailures: 1 } });
    const lines = consoleOf(board);
    // A camera fault costs the driver's 4 s frame timeout before capture() returns False.
    expect(await command(board, 'capture')).toBe(0xc8);
    // get then fails in the script (len(False)) and queues nothing: the master reads the last byte again.
    await write(board, 'get');
    expect(await waitFor(() => lines.some((l) => l.includes('TypeError')))).toBe(true);
    expect(board.txQueued(44)).toBe(0);
    expect([...(await read(board, 1))]).toEqual([0xc8]);
    expect(await command(board, 'ping')).toBe(0xc8);
  });

  it('boots with a blink of the red LED, and resets itself when the camera will not start', async () => {
    board = await SimulatedEsp32Cam.start({ script: LEGACY_SLAVE, seed: 44, bootMs: 50 });
    const pins: Array<{ pin: number; value: number }> = [];
    const reboots: string[] = [];
    const lines = consoleOf(board);
    board.on('pin', (p: { pin: number; value: number }) => pins.push(p));
    board.on('reboot', (e: { cause: string }) => reboots.push(e.cause));
    board.inject({ cameraInitFailures: 2 });
    await board.reset();
    expect(await waitFor(() => reboots.length === 2)).toBe(true);
    expect(reboots).toEqual(['PWRON_RESET', 'HARD_RESET']);
    expect(lines).toContain('Camera init failed. Resetting...');
    // blink(1), blink(1) after the first failure, blink(10) after the second; then blink(1) on the new boot
    const red = pins.filter((p) => p.pin === 33).map((p) => p.value);
    expect(red.slice(0, 2)).toEqual([0, 1]);
    expect(red.filter((v) => v === 0).length).toBeGreaterThanOrEqual(12);
    const b = board;
    expect(await waitFor(async () => (await command(b, 'ping').catch(() => -1)) === 0xc8)).toBe(true);
    expect(board.info().resetCause).toBe('HARD_RESET');
  });
});

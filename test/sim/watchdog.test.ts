import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { answer, outcome, read, sleep, tempScript, waitFor, write } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

// After a power-on the script arms a short watchdog and (depending on STARVE) never feeds it; after
// the watchdog reboot it only answers, so the test can see the reset cause and the slave coming back.
const script = (starve: string): string => `
import machine, utime
from machine import I2C, WDT
cause = machine.reset_cause()
bus = I2C(scl=12, sda=13, mode=I2C.SLAVE, slave_wbuflen=64)
def cb(b):
    if b.getcbdata() == b'cause':
        b.setdata(b'\\xa5\\x5a' + bytes([machine.reset_cause()]), 0)
    else:
        b.setdata(b'queued-before-reboot', 0)
bus.callback(cb)
if cause == machine.PWRON_RESET:
    WDT(timeout=300)
${starve}
`;

describe('simulated watchdog', () => {
  it('reboots an unfed board with reset_cause WDT_RESET, empties the ring, and the slave comes back', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript(script('while True:\n    utime.sleep(1)\n')), seed: 21, bootMs: 50 });
    const reboots: string[] = [];
    board.on('reboot', (e: { cause: string }) => reboots.push(e.cause));
    await write(board, 'fill');
    await sleep(80);
    expect(await waitFor(() => reboots.length > 0)).toBe(true);
    expect(reboots).toEqual(['WDT_RESET']);
    const b = board;
    expect(await waitFor(async () => (await outcome(read(b, 1))) === 'ok')).toBe(true);
    expect(board.info().resetCause).toBe('WDT_RESET');
    // The stale answer queued before the reboot is gone: an empty ring reads as 0xFF.
    expect([...(await read(board, 2))]).toEqual([0xff, 0xff]);
    await write(board, 'cause');
    expect([...(await answer(board, 1))]).toEqual([3]);
  });

  it('bites a script stuck in a loop that never sleeps', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript(script('while True:\n    pass\n')), seed: 22, bootMs: 50 });
    const reboots: string[] = [];
    board.on('reboot', (e: { cause: string }) => reboots.push(e.cause));
    expect(await waitFor(() => reboots.length > 0)).toBe(true);
    expect(reboots[0]).toBe('WDT_RESET');
  });

  it('machine.reset() reboots with HARD_RESET', async () => {
    const src = `
import machine, utime
from machine import I2C
bus = I2C(scl=12, sda=13, mode=I2C.SLAVE, slave_wbuflen=16)
def cb(b):
    if b.getcbdata() == b'reset':
        machine.reset()
    b.setdata(b'\\xa5\\x5a' + bytes([machine.reset_cause()]), 0)
bus.callback(cb)
while True:
    utime.sleep(1)
`;
    board = await SimulatedEsp32Cam.start({ script: tempScript(src), seed: 23, bootMs: 50 });
    const reboots: string[] = [];
    board.on('reboot', (e: { cause: string }) => reboots.push(e.cause));
    await write(board, 'reset');
    expect(await waitFor(() => reboots.length > 0)).toBe(true);
    const b = board;
    expect(await waitFor(async () => (await outcome(read(b, 1))) === 'ok')).toBe(true);
    await write(board, 'x');
    expect([...(await answer(board, 1))]).toEqual([2]);
    expect(reboots).toEqual(['HARD_RESET']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { ECHO_SLAVE, consoleOf, outcome, read, sleep, tempScript, waitFor, write } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

/**
 * Waits for the slave's next answer to be in the ring: the echo slave prints `queued` after each one. A
 * master on the real bus would poll; the test waits for the event itself.
 */
function answers(b: SimulatedEsp32Cam): () => Promise<void> {
  let queued = 0;
  let awaited = 0;
  b.on('console', (line: string) => {
    if (line === 'queued') queued++;
  });
  return async () => {
    awaited++;
    expect(await waitFor(() => queued >= awaited)).toBe(true);
  };
}

/** Waits until the script has reported `n` deliveries (`got ...` lines). */
const deliveries = async (lines: string[], n: number): Promise<void> => {
  expect(await waitFor(() => lines.filter((l) => l.startsWith('got')).length >= n)).toBe(true);
};

describe('simulated I2C slave: addressing', () => {
  it('ACKs its slave address and NACKs any other with EREMOTEIO', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 1 });
    expect(board.info().address).toBe(44);
    expect(await outcome(write(board, 'qA'))).toBe('ok');
    expect(await outcome(write(board, 'qA', 45))).toBe('EREMOTEIO');
    expect(await outcome(read(board, 1, 0x2b))).toBe('EREMOTEIO');
  });

  it('NACKs once the script has deinit() its slave', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 2 });
    await write(board, 'bye');
    const b = board;
    expect(await waitFor(async () => (await outcome(read(b, 1))) === 'EREMOTEIO')).toBe(true);
    expect(board.info().address).toBeNull();
  });

  it('NACKs when the script never creates a slave, and while the board reboots', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript('print("no slave here")\n'), seed: 3 });
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
    await board.close();

    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 3 });
    expect(await outcome(read(board, 1))).toBe('ok');
    const rebooting = board.reset();
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
    await rebooting;
    expect(await outcome(read(board, 1))).toBe('ok');
    expect(board.info().resetCause).toBe('PWRON_RESET');
  });

  it("raises freshev's errors for a second slave on a used bus and for setdata without a TX ring", async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 4, bootMs: 0 });
    const b = board;
    const lines = consoleOf(b);
    await b.reset();
    await waitFor(() => lines.some((l) => l.startsWith('wbuflen0:')));
    expect(lines).toContain('second: I2C bus already used');
    expect(lines).toContain("wbuflen0: Write buffer length = 0. Use 'slave_wbuflen = value' in I2C constructor.");
  });

  it('rejects bad arguments and closed buses with typed errors', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 5 });
    expect(await outcome(board.i2cRead(44, 9000, Buffer.alloc(9000)))).toBe('EINVAL');
    expect(await outcome(board.i2cRead(44, 4, Buffer.alloc(2)))).toBe('E_BAD_INPUT');
    expect(await outcome(board.i2cWrite(200, 1, Buffer.alloc(1)))).toBe('E_BAD_INPUT');
    await board.close();
    expect(await outcome(read(board, 1))).toBe('E_CLOSED');
    expect(await outcome(write(board, 'qA'))).toBe('E_CLOSED');
  });
});

describe('simulated I2C slave: the TX ring', () => {
  it('reads of an empty ring are 0xFF garbage after reset and consume nothing', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 6 });
    const answered = answers(board);
    expect([...(await read(board, 4))]).toEqual([0xff, 0xff, 0xff, 0xff]);
    await write(board, 'qHELLO');
    await answered();
    expect((await read(board, 5)).toString()).toBe('HELLO');
  });

  it('a read longer than the ring gives the real bytes, then the last byte repeated', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 7 });
    const answered = answers(board);
    await write(board, 'qAB');
    await answered();
    expect((await read(board, 1)).toString()).toBe('A');
    expect((await read(board, 4)).toString()).toBe('BBBB');
    expect((await read(board, 2)).toString()).toBe('BB');
    // The garbage took nothing: the next answer comes out whole.
    await write(board, 'qXY');
    await answered();
    expect((await read(board, 3)).toString()).toBe('XYY');
  });

  it('bytes the master does not read stay in the ring and come out first next time', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 8 });
    const answered = answers(board);
    await write(board, 'q123');
    await answered();
    expect((await read(board, 1)).toString()).toBe('1');
    await write(board, 'q45');
    await answered();
    expect((await read(board, 4)).toString()).toBe('2345');
  });

  it('a setdata larger than the ring returns False at once', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 9 });
    const answered = answers(board);
    await write(board, 'big');
    await answered();
    expect((await read(board, 2)).toString()).toBe('FF');
  });

  it('a setdata that does not fit waits for the master to drain the ring', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 10 });
    const lines = consoleOf(board);
    await write(board, 'fill');
    const b = board;
    expect(await waitFor(() => lines.includes('fill2 True'))).toBe(true);
    await sleep(50); // fill3 is now waiting for room (up to 500 ms)
    expect(lines.some((l) => l.startsWith('fill3'))).toBe(false);
    const first = await read(b, 64);
    expect([...first]).toEqual([...Array(64).keys()]);
    expect(await waitFor(() => lines.includes('fill3 True'))).toBe(true);
    const rest = await read(b, 256 - 64 + 32 + 10);
    expect(rest.subarray(256 - 64 + 32).toString()).toBe('0123456789');
  });
});

describe('simulated I2C slave: command delivery', () => {
  it('two writes sent back to back reach the script as one merged chunk', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 11 });
    const lines = consoleOf(board);
    await write(board, 'ping');
    await write(board, 'get');
    await deliveries(lines, 1);
    expect(lines.filter((l) => l.startsWith('got'))).toEqual(["got b'pingget'"]);
  });

  it('writes further apart than the latency window are separate deliveries', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 12 });
    const lines = consoleOf(board);
    await write(board, 'ping');
    await deliveries(lines, 1);
    await write(board, 'get');
    await deliveries(lines, 2);
    expect(lines.filter((l) => l.startsWith('got'))).toEqual(["got b'ping'", "got b'get'"]);
  });

  it('injected NACKs and corrupt reads hit the next transactions only', async () => {
    board = await SimulatedEsp32Cam.start({ script: ECHO_SLAVE, seed: 13 });
    const answered = answers(board);
    board.inject({ nacks: 1 });
    expect(await outcome(write(board, 'qABCD'))).toBe('EREMOTEIO');
    expect(await outcome(write(board, 'qABCD'))).toBe('ok');
    await answered();
    board.inject({ corruptReads: 1 });
    const bad = await read(board, 4);
    const diff = [...bad].filter((v, i) => v !== 'ABCD'.charCodeAt(i)).length;
    expect(diff).toBe(1);
    await write(board, 'qEFGH');
    await answered();
    expect((await read(board, 4)).toString()).toBe('EFGH');
  });
});

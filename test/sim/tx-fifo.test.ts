import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { v2 } from '../../protocol/src/index.js';
import { CameraClient } from '../../host/src/index.js';
import { renderTestCard, SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { fifoShiftPlan, TX_FIFO_BYTES } from '../../host/src/sim/tx-fifo.js';
import { outcome, read, waitFor, write } from './helpers.js';

/**
 * The slave's 32-byte TX FIFO between its ring and the wire (docs/hardware.md): the real main.py queues a HELLO
 * reply, and one long read shifts it out at the bus clock while the ISR refills the FIFO after the set latency.
 */
describe('the TX FIFO model', () => {
  let board: SimulatedEsp32Cam | undefined;
  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  /** Sends HELLO to a board running device-scripts/main.py and waits until its whole reply is in the ring. */
  async function helloQueued(b: SimulatedEsp32Cam): Promise<number> {
    const request = Buffer.from(v2.encodeRequest(7, v2.Op.HELLO));
    expect(await waitFor(async () => (await outcome(write(b, request))) === 'ok')).toBe(true);
    expect(await waitFor(() => b.txQueued(44) > 0)).toBe(true);
    return b.txQueued(44);
  }

  it('at 400 kHz, a refill 400 µs late puts 13 filler bytes after the first 32, then the rest follows, shifted', async () => {
    board = await SimulatedEsp32Cam.start({ busHz: 400_000, fifoRefillUs: [400, 400], seed: 3 });
    const n = await helloQueued(board);
    expect(n).toBeGreaterThan(TX_FIFO_BYTES + 8);
    const wire = await read(board, n + 20);
    // 22.5 µs a byte: the refill is asked for when byte 27 leaves (4 left, 607.5 µs) and lands at 1007.5 µs, so
    // bytes 32..44 find the FIFO empty and repeat byte 31; the ring goes on at byte 45.
    const filler = wire.subarray(32, 45);
    expect([...filler]).toEqual(new Array(13).fill(wire[31]));
    const reply = Buffer.concat([wire.subarray(0, 32), wire.subarray(45, 45 + n - 32)]);
    const header = v2.decodeReplyHeader(reply, 4096);
    expect(header.kind).toBe('header');
    if (header.kind !== 'header') return;
    expect(header.header.seq).toBe(7);
    expect(v2.verifyReply(reply, header.header).ok).toBe(true);
    // After the last ring byte, the empty FIFO repeats it.
    expect([...wire.subarray(45 + n - 32)]).toEqual(new Array(wire.length - (45 + n - 32)).fill(reply[reply.length - 1]));
    expect(board.txQueued(44)).toBe(0);
  });

  it('at 100 kHz, the same 400 µs refill comes before the FIFO runs dry: the reply arrives whole', async () => {
    board = await SimulatedEsp32Cam.start({ busHz: 100_000, fifoRefillUs: [400, 400], seed: 3 });
    const n = await helloQueued(board);
    const wire = await read(board, n);
    const header = v2.decodeReplyHeader(wire, 4096);
    expect(header.kind).toBe('header');
    if (header.kind !== 'header') return;
    expect(v2.verifyReply(wire, header.header).ok).toBe(true);
  });

  it('a read of an empty ring shifts out only the last byte sent, repeated, and takes nothing', async () => {
    board = await SimulatedEsp32Cam.start({ busHz: 400_000, seed: 4 });
    const n = await helloQueued(board);
    const reply = await read(board, n);
    const early = await read(board, 40);
    expect([...early]).toEqual(new Array(40).fill(reply[n - 1]));
  });

  it('plans a refill at the ring end in the same interrupt when the FIFO is still under its threshold', () => {
    // 3 bytes before the ring's end, 100 in all, at a clock so slow that nothing runs dry.
    const plan = fifoShiftPlan(100, 3, 100, { busHz: 10_000, refillUs: () => 50 });
    expect([...plan]).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('protocol 2 at 100 and 400 kHz through the FIFO model', () => {
  for (const busHz of [100_000, 400_000]) {
    for (const [name, width, height, framesize] of [
      ['QVGA', 320, 240, 5],
      ['VGA', 640, 480, 8],
    ] as const) {
      it(`${name} at ${busHz / 1000} kHz: the photo's sha256 equals the board's`, async () => {
        const taken: Buffer[] = [];
        const board = await SimulatedEsp32Cam.start({
          busHz,
          seed: 21,
          frameSource: async ({ frame }) => {
            const jpeg = await renderTestCard({ width, height, quality: 12, frame, time: new Date(0), seed: 21 });
            taken.push(jpeg);
            return jpeg;
          },
        });
        try {
          const client = new CameraClient({ bus: board, protocol: 'auto' });
          if (framesize !== 5) await client.applySettings({ framesize });
          for (let i = 0; i < 2; i++) {
            const photo = await client.capture();
            const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
            expect(sha(photo)).toBe(sha(taken[taken.length - 1]!));
          }
        } finally {
          await board.close();
        }
      });
    }
  }
});

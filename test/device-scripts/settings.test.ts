import { describe, expect, it } from 'vitest';
import { loadBoard, replyFrame, requestFrame, type Board } from './board.js';

const SETTINGS = 0x07;

/** (id u8, value i16 little-endian) pairs, as SETTINGS carries them. */
function pairs(...list: Array<[number, number]>): Buffer {
  const out = Buffer.alloc(list.length * 3);
  list.forEach(([id, value], i) => {
    out[i * 3] = id;
    out.writeInt16LE(value, i * 3 + 1);
  });
  return out;
}

/** The slave's answer: all nine settings in id order. */
function held(values: number[]): Buffer {
  return replyFrame(0, 201, pairs(...values.map((v, i): [number, number] => [i + 1, v])));
}

function settings(board: Board, seq: number, ...list: Array<[number, number]>): Buffer[] {
  return board.command(requestFrame(seq, SETTINGS, pairs(...list)));
}

const withSeq = (frame: Buffer, seq: number): Buffer => {
  const body = Buffer.from(frame);
  body[2] = seq;
  return replyFrame(seq, body[3]!, body.subarray(6, body.length - 4));
};

// framesize QVGA (5) and quality 12 are camconfig's defaults; the rest start at the sensor's 0.
const DEFAULTS = [5, 12, 0, 0, 0, 0, 0, 0, 0];

describe('SETTINGS on the slave script', () => {
  it('answers what it holds when asked with no pairs, and sets nothing', async () => {
    const board = await loadBoard();
    expect(settings(board, 3)).toEqual([withSeq(held(DEFAULTS), 3)]);
    expect(board.value('camera.set_calls')).toEqual([]);
  });

  it("applies each setting through freshev's setter and answers the new values", async () => {
    const board = await loadBoard();
    const reply = settings(board, 4, [2, 30], [3, -2], [4, 1], [5, 2], [6, 1], [7, 1], [8, 6], [9, 4], [1, 1]);
    expect(reply).toEqual([withSeq(held([1, 30, -2, 1, 2, 1, 1, 6, 4]), 4)]);
    // In id order, whatever the order of the request.
    expect(board.value('camera.set_calls')).toEqual([
      ['framesize', 1],
      ['quality', 30],
      ['brightness', -2],
      ['contrast', 1],
      ['saturation', 2],
      ['flip', 1],
      ['mirror', 1],
      ['speffect', 6],
      ['whitebalance', 4],
    ]);
    // A smaller frame fits the buffer allocated at start-up: no re-init.
    expect(board.value('len(camera.init_calls)')).toBe(1);
  });

  it('refuses a value out of range or an unknown id, naming it, and applies none of the request', async () => {
    const board = await loadBoard();
    expect(settings(board, 5, [3, 1], [2, 9])).toEqual([replyFrame(5, 100, Buffer.from('quality 9 out of range 10..63'))]);
    expect(settings(board, 6, [1, 14])).toEqual([replyFrame(6, 100, Buffer.from('framesize 14 out of range 0..13'))]);
    expect(settings(board, 7, [10, 0])).toEqual([replyFrame(7, 100, Buffer.from('unknown setting id 10'))]);
    expect(board.command(requestFrame(8, SETTINGS, Buffer.from([1, 5])))).toEqual([
      replyFrame(8, 100, Buffer.from('SETTINGS takes (id u8, value i16) pairs, not 2 bytes')),
    ]);
    expect(board.value('camera.set_calls')).toEqual([]);
    expect(settings(board, 9)).toEqual([withSeq(held(DEFAULTS), 9)]);
  });

  it('re-initialises the camera for a frame size larger than its buffer, then sets the rest again', async () => {
    const board = await loadBoard();
    settings(board, 1, [6, 1], [3, -1]);
    board.py('camera.set_calls.clear()');
    expect(settings(board, 2, [1, 8], [2, 20])).toEqual([withSeq(held([8, 20, -1, 0, 0, 1, 0, 0, 0]), 2)]);
    expect(board.value('camera.deinit_calls')).toBe(1);
    expect(board.value('camera.init_calls[-1]')).toEqual({ format: 4, framesize: 8, quality: 20, fb_location: 0 });
    expect(board.value('camera.set_calls')).toEqual([
      ['brightness', -1],
      ['contrast', 0],
      ['saturation', 0],
      ['flip', 1],
      ['mirror', 0],
      ['speffect', 0],
      ['whitebalance', 0],
    ]);
    // Back down and up to VGA again: the VGA buffer holds both, so only the setter runs.
    settings(board, 3, [1, 5]);
    settings(board, 4, [1, 8]);
    expect(board.value('len(camera.init_calls)')).toBe(2);
  });

  it('puts the buffer of sizes above VGA in PSRAM', async () => {
    const board = await loadBoard({ setup: 'camera.init_failures = 1' }); // start-up falls back to internal RAM
    expect(board.value('camera.init_calls[-1]')).toEqual({ format: 4, framesize: 5, quality: 12 });
    expect(settings(board, 1, [1, 8])[0]![3]).toBe(201);
    expect(board.value('camera.init_calls[-1]')).toEqual({ format: 4, framesize: 8, quality: 12 });
    expect(settings(board, 2, [1, 9])[0]![3]).toBe(201);
    expect(board.value('camera.init_calls[-1]')).toEqual({ format: 4, framesize: 9, quality: 12, fb_location: 0 });
  });

  it('refuses a size above VGA on a board without PSRAM, and keeps taking photos at the old size', async () => {
    const board = await loadBoard({ setup: 'camera.psram = False' });
    expect(settings(board, 1, [1, 13])).toEqual([replyFrame(1, 100, Buffer.from('framesize 13 needs PSRAM, which this board lacks (Camera Init Failed)'))]);
    expect(board.value('camera.init_calls[-1]')).toEqual({ format: 4, framesize: 5, quality: 12 });
    expect(settings(board, 2)).toEqual([withSeq(held(DEFAULTS), 2)]);
    board.setPhoto(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect(board.command(requestFrame(3, 0x02))[0]![3]).toBe(201);
  });

  it('answers 100 while the camera is unusable', async () => {
    const board = await loadBoard({ setup: 'camera.init_failures = 5' });
    expect(settings(board, 1, [2, 20])).toEqual([replyFrame(1, 100, Buffer.from('camera not ready: Camera Init Failed'))]);
  });
});

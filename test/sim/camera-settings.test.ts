import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { exposedAt, SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { answer, read, sleep, tempScript, waitFor, write } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

// 'cap' captures and answers the photo's length (u32 LE, 0xFFFFFFFF for False); 'next' answers the next
// 200 bytes, prefixed by their count; 'set:NAME:VALUE' calls camera.NAME(VALUE) and answers 1.
const SCRIPT = `
import camera, utime
from machine import I2C
camera.init(0, format=camera.JPEG, framesize=camera.FRAME_QVGA, quality=12)
photo = b''
pos = 0
bus = I2C(scl=12, sda=13, mode=I2C.SLAVE, slave_wbuflen=256)
def cb(b):
    global photo, pos
    cmd = b.getcbdata()
    if cmd == b'cap':
        p = camera.capture()
        photo = p if p else b''
        pos = 0
        b.setdata(b'\\xa5\\x5a' + (len(p) if p else 0xFFFFFFFF).to_bytes(4, 'little'), 0)
    elif cmd == b'next':
        part = photo[pos:pos + 200]
        pos += len(part)
        b.setdata(b'\\xa5\\x5a' + bytes([len(part)]) + part, 0)
    elif cmd.startswith(b'set:'):
        _, name, value = cmd.decode().split(':')
        getattr(camera, name)(int(value))
        b.setdata(b'\\xa5\\x5a\\x01', 0)
bus.callback(cb)
while True:
    utime.sleep(1)
`;

async function photo(b: SimulatedEsp32Cam): Promise<Buffer | undefined> {
  await write(b, 'cap');
  const size = (await answer(b, 4)).readUInt32LE(0);
  if (size === 0xffffffff) return undefined;
  const parts: Buffer[] = [];
  for (let got = 0; got < size;) {
    await write(b, 'next');
    const n = (await answer(b, 1))[0]!;
    parts.push(await read(b, n));
    got += n;
  }
  return Buffer.concat(parts);
}

async function set(b: SimulatedEsp32Cam, name: string, value: number): Promise<void> {
  await write(b, `set:${name}:${value}`);
  expect([...(await answer(b, 1))]).toEqual([1]);
}

async function size(jpeg: Buffer | undefined): Promise<number[]> {
  const meta = await sharp(jpeg).metadata();
  return [meta.width!, meta.height!];
}

describe('simulated camera settings and its held frame', () => {
  it('hands back the frame it grabbed when the previous one was taken, however long ago', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript(SCRIPT), seed: 41, busHz: 400_000 });
    const first = await photo(board);
    expect(exposedAt(first!)).toBeInstanceOf(Date);
    const pauseStarted = Date.now();
    await sleep(1500); // the pause is what is under test
    const askedAt = Date.now();
    const stale = await photo(board);
    const fresh = await photo(board);
    // The stale frame was exposed when the first photo was handed back, before the pause began.
    expect(exposedAt(stale!)!.getTime()).toBeLessThan(pauseStarted + 100);
    expect(exposedAt(fresh!)!.getTime()).toBeGreaterThan(askedAt - 100);
  });

  it('shows a setting from the second frame after it: the held frame predates it', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript(SCRIPT), seed: 42, busHz: 400_000 });
    expect(await size(await photo(board))).toEqual([320, 240]);
    await set(board, 'framesize', 0);
    expect(await size(await photo(board))).toEqual([320, 240]);
    expect(await size(await photo(board))).toEqual([96, 96]);
    await set(board, 'speffect', 1);
    await photo(board);
    const negative = await sharp(await photo(board)).stats();
    await set(board, 'speffect', 0);
    await photo(board);
    const plain = await sharp(await photo(board)).stats();
    expect(negative.channels[0]!.mean).toBeGreaterThan(255 - plain.channels[0]!.mean - 10);
    expect(negative.channels[0]!.mean).toBeLessThan(255 - plain.channels[0]!.mean + 10);
  });

  it('drops every frame once the frame size outgrows the buffer allocated at init', async () => {
    board = await SimulatedEsp32Cam.start({ script: tempScript(SCRIPT), seed: 43, busHz: 400_000 });
    const lines: string[] = [];
    board.on('console', (l: string) => lines.push(l));
    await set(board, 'framesize', 13);
    await photo(board); // the held QVGA frame
    expect(await photo(board)).toBeUndefined();
    expect(await waitFor(() => lines.some((l) => l.includes('FB-OVF')))).toBe(true);
  });
});

import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import { answer, consoleOf, read, tempScript, waitFor, write } from './helpers.js';

let board: SimulatedEsp32Cam | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

// 'cap' captures and answers the photo's length (u32 LE, 0xFFFFFFFF for False); 'next' answers the
// next 200 bytes of it, prefixed by their count (u8). Answers start with the marker A5 5A.
const CAMERA_SLAVE = `
import camera, utime
from machine import I2C
import camconfig
try:
    camera.init(0, format=camera.JPEG, framesize=camconfig.FRAME, quality=camconfig.QUALITY)
except OSError as e:
    print('init failed:', e)
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
bus.callback(cb)
while True:
    utime.sleep(1)
`;
const CONFIG = 'import camera\nFRAME = camera.FRAME_VGA\nQUALITY = 12\n';

async function capture(b: SimulatedEsp32Cam): Promise<number> {
  await write(b, 'cap');
  return (await answer(b, 4)).readUInt32LE(0);
}

async function download(b: SimulatedEsp32Cam, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let got = 0; got < size;) {
    await write(b, 'next');
    const n = (await answer(b, 1))[0];
    if (n === 0) throw new Error(`the photo ended at ${got} of ${size} bytes`);
    parts.push(await read(b, n));
    got += n;
  }
  return Buffer.concat(parts);
}

describe('simulated camera', () => {
  it('captures a valid JPEG at the frame size and quality the script asked for', async () => {
    const script = tempScript(CAMERA_SLAVE, { 'camconfig.py': CONFIG });
    board = await SimulatedEsp32Cam.start({ script, seed: 31, busHz: 400_000, configOverrides: { FRAME: 5 } });
    const size = await capture(board);
    expect(size).toBeGreaterThan(2000);
    expect(size).toBeLessThanOrEqual((320 * 240) / 5);
    const jpeg = await download(board, size);
    expect(jpeg.length).toBe(size);
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([320, 240]);
    const stats = await sharp(jpeg).stats();
    expect(stats.channels.length).toBe(3);
    expect(board.info().frames).toBe(1);
  });

  it('drops a frame larger than the driver buffer: capture returns False after the driver timeout', async () => {
    const script = tempScript(CAMERA_SLAVE, { 'camconfig.py': CONFIG });
    const sizes: Array<{ width: number; height: number }> = [];
    board = await SimulatedEsp32Cam.start({
      script,
      seed: 32,
      configOverrides: { FRAME: 1 },
      frameSource: async (req) => {
        sizes.push({ width: req.width, height: req.height });
        return Buffer.alloc((160 * 120) / 5 + 1, 0xab);
      },
    });
    expect(await capture(board)).toBe(0xffffffff);
    expect(sizes).toEqual([{ width: 160, height: 120 }]);
  });

  it('injected faults: truncated frames lose their FF D9 end, and camera.init raises Camera Init Failed', async () => {
    const script = tempScript(CAMERA_SLAVE, { 'camconfig.py': CONFIG });
    board = await SimulatedEsp32Cam.start({ script, seed: 33, busHz: 400_000, configOverrides: { FRAME: 1 }, faults: { truncatedFrames: 1 } });
    const size = await capture(board);
    expect(size).toBeGreaterThan(0);
    const cut = await download(board, size);
    expect([...cut.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...cut.subarray(-2)]).not.toEqual([0xff, 0xd9]);
    const whole = await download(board, await capture(board));
    expect([...whole.subarray(-2)]).toEqual([0xff, 0xd9]);

    const lines = consoleOf(board);
    board.inject({ cameraInitFailures: 1 });
    await board.reset();
    expect(await waitFor(() => lines.includes('init failed: Camera Init Failed'))).toBe(true);
    expect(await capture(board)).toBe(0xffffffff); // no driver: capture() is False at once
  });
});

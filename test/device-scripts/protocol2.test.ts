import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc8, fakeJpeg, loadBoard, replyFrame, requestFrame, type Board } from './board.js';

const HELLO = 0x01;
const CAPTURE = 0x02;
const READ = 0x03;
const FLASH = 0x04;
const STATUS = 0x05;

function readArgs(photoId: number, offset: number, length: number): Buffer {
  const args = Buffer.alloc(8);
  args.writeUInt16LE(photoId, 0);
  args.writeUInt32LE(offset, 2);
  args.writeUInt16LE(length, 6);
  return args;
}

/** CAPTURE's reply: id, size, CRC-32, then the flags the script honoured (none were asked for here). */
function captureReply(seq: number, photoId: number, photo: Buffer, flags = 0): Buffer {
  const payload = Buffer.alloc(11);
  payload.writeUInt16LE(photoId, 0);
  payload.writeUInt32LE(photo.length, 2);
  payload.writeUInt32LE(crc32(photo), 6);
  payload.writeUInt8(flags, 10);
  return replyFrame(seq, 201, payload);
}

function failReply(seq: number, reason: string): Buffer {
  return replyFrame(seq, 100, Buffer.from(reason, 'ascii'));
}

async function boardWithPhoto(photo: Buffer): Promise<Board> {
  const board = await loadBoard();
  board.setPhoto(photo);
  expect(board.command(requestFrame(1, CAPTURE))).toEqual([captureReply(1, 1, photo)]);
  return board;
}

describe('test helpers match the published check values', () => {
  it('CRC-8/SMBUS of "123456789" is 0xF4 and CRC-32 is 0xCBF43926', () => {
    expect(crc8(Buffer.from('123456789'))).toBe(0xf4);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('protocol 2', () => {
  it('answers HELLO with protocol 2, the chunk size, the TX ring and the firmware name', async () => {
    const board = await loadBoard();
    const payload = Buffer.concat([Buffer.from([2, 0xf0, 0x0f, 0x00, 0x20]), Buffer.from('esp32cam-slave/1 (MicroPython 1.27.0)', 'ascii')]);
    expect(board.command(requestFrame(0x42, HELLO))).toEqual([replyFrame(0x42, 201, payload)]);
  });

  it('answers CAPTURE with the photo id, size and CRC-32, counting ids up per capture', async () => {
    const board = await loadBoard();
    const first = fakeJpeg(5000, 1);
    const second = fakeJpeg(777, 2);
    board.setPhoto(first);
    expect(board.command(requestFrame(7, CAPTURE))).toEqual([captureReply(7, 1, first)]);
    board.setPhoto(second);
    expect(board.command(requestFrame(8, CAPTURE))).toEqual([captureReply(8, 2, second)]);
  });

  it('echoes the CAPTURE flags it honoured and leaves out bits it does not know, so a host can tell', async () => {
    const board = await loadBoard();
    const photo = fakeJpeg(900, 3);
    board.setPhoto(photo);
    expect(board.command(requestFrame(9, CAPTURE, Buffer.from([0x01 | 0x80])))).toEqual([captureReply(9, 1, photo, 0x01)]);
    expect(board.command(requestFrame(10, CAPTURE, Buffer.from([0x01, 0x02])))).toEqual([failReply(10, 'CAPTURE takes at most 1 argument byte')]);
  });

  it('READs any offset, cuts at the end, and repeats a READ identically', async () => {
    const photo = fakeJpeg(5000);
    const board = await boardWithPhoto(photo);
    expect(board.command(requestFrame(2, READ, readArgs(1, 0, 2048)))).toEqual([replyFrame(2, 201, photo.subarray(0, 2048))]);
    expect(board.command(requestFrame(3, READ, readArgs(1, 2048, 2048)))).toEqual([replyFrame(3, 201, photo.subarray(2048, 4096))]);
    expect(board.command(requestFrame(4, READ, readArgs(1, 4096, 2048)))).toEqual([replyFrame(4, 201, photo.subarray(4096))]);
    expect(board.command(requestFrame(5, READ, readArgs(1, 1234, 10)))).toEqual([replyFrame(5, 201, photo.subarray(1234, 1244))]);
    expect(board.command(requestFrame(5, READ, readArgs(1, 1234, 10)))).toEqual([replyFrame(5, 201, photo.subarray(1234, 1244))]);
  });

  it('answers two full-chunk READs that arrive merged, each whole and in order', async () => {
    const photo = fakeJpeg(9000);
    const board = await boardWithPhoto(photo);
    const merged = Buffer.concat([requestFrame(20, READ, readArgs(1, 0, 4080)), requestFrame(21, READ, readArgs(1, 4080, 4080))]);
    expect(board.command(merged)).toEqual([replyFrame(20, 201, photo.subarray(0, 4080)), replyFrame(21, 201, photo.subarray(4080, 8160))]);
    const status = board.command(requestFrame(22, STATUS))[0]!;
    expect(status.readUInt32LE(14)).toBe(0);
  });

  it('answers a READ at the very end with no bytes, and one past the end with 100', async () => {
    const board = await boardWithPhoto(fakeJpeg(5000));
    expect(board.command(requestFrame(9, READ, readArgs(1, 5000, 100)))).toEqual([replyFrame(9, 201)]);
    expect(board.command(requestFrame(10, READ, readArgs(1, 5001, 100)))).toEqual([failReply(10, 'offset 5001 past the end (5000)')]);
  });

  it('refuses a READ longer than the chunk size', async () => {
    const board = await boardWithPhoto(fakeJpeg(5000));
    expect(board.command(requestFrame(11, READ, readArgs(1, 0, 4081)))).toEqual([failReply(11, 'length 4081 above 4080')]);
  });

  it('refuses a READ of a photo id it no longer holds', async () => {
    const board = await boardWithPhoto(fakeJpeg(3000, 1));
    board.setPhoto(fakeJpeg(3000, 2));
    board.command(requestFrame(12, CAPTURE));
    expect(board.command(requestFrame(13, READ, readArgs(1, 0, 100)))).toEqual([failReply(13, 'photo 1 is not held')]);
  });

  it('refuses a READ before any capture and a READ with the wrong argument count', async () => {
    const board = await loadBoard();
    expect(board.command(requestFrame(14, READ, readArgs(0, 0, 100)))).toEqual([failReply(14, 'photo 0 is not held')]);
    expect(board.command(requestFrame(15, READ, Buffer.from([1, 0, 0])))).toEqual([failReply(15, 'READ takes 8 argument bytes')]);
  });

  it('answers CAPTURE with 100 and the reason when the camera fails, and drops the old photo', async () => {
    const board = await boardWithPhoto(fakeJpeg(1000));
    board.py('camera.next_capture = False');
    expect(board.command(requestFrame(16, CAPTURE))).toEqual([failReply(16, 'capture failed')]);
    board.py("camera.next_capture = b'\\x00\\x01\\x02'");
    expect(board.command(requestFrame(17, CAPTURE))).toEqual([failReply(17, 'not a JPEG')]);
    expect(board.command(requestFrame(18, READ, readArgs(1, 0, 10)))).toEqual([failReply(18, 'photo 1 is not held')]);
  });

  it('answers CAPTURE with 100 when the camera raises', async () => {
    const board = await loadBoard();
    board.py("camera.next_capture = RuntimeError('sensor gone')");
    expect(board.command(requestFrame(19, CAPTURE))).toEqual([failReply(19, "internal error: RuntimeError('sensor gone',)")]);
  });

  it('switches the flash with FLASH and answers 200 with no payload', async () => {
    const board = await loadBoard();
    board.takePinWrites();
    expect(board.command(requestFrame(20, FLASH, Buffer.from([1])))).toEqual([replyFrame(20, 200)]);
    expect(board.takePinWrites()).toEqual([[4, 1]]);
    expect(board.command(requestFrame(21, FLASH, Buffer.from([0])))).toEqual([replyFrame(21, 200)]);
    expect(board.takePinWrites()).toEqual([[4, 0]]);
    expect(board.command(requestFrame(22, FLASH))).toEqual([failReply(22, 'FLASH takes 1 argument byte')]);
  });

  it('reports uptime, captures, errors, reset cause, flash and watchdog timeout in STATUS', async () => {
    const board = await loadBoard({ setup: 'machine.reset_cause_value = machine.WDT_RESET' });
    board.setPhoto(fakeJpeg(400));
    board.command('capture');
    board.command(requestFrame(23, CAPTURE));
    board.command('nonsense');
    board.command('flash-on');
    board.py('utime.now_ms = 123456789');
    const payload = Buffer.alloc(18);
    payload.writeUInt32LE(123456789, 0);
    payload.writeUInt32LE(2, 4); // captures
    payload.writeUInt32LE(1, 8); // errors: the unknown command
    payload[12] = 3; // WDT_RESET
    payload[13] = 1; // flash on
    payload.writeUInt32LE(60000, 14);
    const [reply] = board.command(requestFrame(24, STATUS));
    // After the 18 bytes the first hosts read: boot count, free heap, camera ok, last error (u8 length + text).
    const freeHeap = reply!.readUInt32LE(6 + 22);
    expect(freeHeap).toBeGreaterThan(0);
    const extension = Buffer.alloc(10);
    extension.writeUInt32LE(1, 0); // the first boot NVS has seen
    extension.writeUInt32LE(freeHeap, 4);
    extension[8] = 1;
    extension[9] = 'unknown command'.length;
    expect(reply).toEqual(replyFrame(24, 201, Buffer.concat([payload, extension, Buffer.from('unknown command')])));
  });

  it('answers an unknown op with 100', async () => {
    const board = await loadBoard();
    expect(board.command(requestFrame(25, 0x7f))).toEqual([failReply(25, 'unknown op 127')]);
  });

  it('answers two merged frames with two replies, in order', async () => {
    const photo = fakeJpeg(600);
    const board = await loadBoard();
    board.setPhoto(photo);
    const merged = Buffer.concat([requestFrame(30, CAPTURE), requestFrame(31, READ, readArgs(1, 100, 50))]);
    expect(board.command(merged)).toEqual([captureReply(30, 1, photo), replyFrame(31, 201, photo.subarray(100, 150))]);
  });

  it('drops a frame with a bad CRC without a reply, but answers the good frame after it', async () => {
    const board = await loadBoard();
    const bad = requestFrame(40, HELLO);
    bad[bad.length - 1] ^= 0x01;
    expect(board.command(bad)).toEqual([]);
    const good = requestFrame(41, STATUS);
    const replies = board.command(Buffer.concat([bad, good]));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.subarray(0, 4)).toEqual(Buffer.from([0xa5, 0x5a, 41, 201]));
    expect(replies[0]!.readUInt32LE(14)).toBe(2); // errors: the two bad frames
  });

  it('skips garbage before a frame: 0xFF, stale legacy text, stray magic bytes', async () => {
    const board = await loadBoard();
    const hello = (seq: number): Buffer => board.command(requestFrame(seq, HELLO))[0]!;
    for (const [seq, garbage] of [
      [50, Buffer.from([0xff, 0xff, 0xff])],
      [51, Buffer.from('get', 'ascii')],
      [52, Buffer.from([0xa5, 0xa5, 0x00, 0x5a])],
      // A stray magic whose "length" byte runs past the chunk must not hide the real frame behind it.
      [53, Buffer.from([0xa5, 0x5a, 0x01])],
      [54, Buffer.from([0xa5, 0x5a])],
    ] as const) {
      expect(board.command(Buffer.concat([garbage, requestFrame(seq, HELLO)])), `seq ${seq}`).toEqual([hello(seq)]);
    }
  });

  it('skips a frame cut short at the end of the chunk', async () => {
    const board = await loadBoard();
    const cut = requestFrame(61, READ, readArgs(1, 0, 100)).subarray(0, 9);
    expect(board.command(Buffer.concat([requestFrame(60, FLASH, Buffer.from([0])), cut]))).toEqual([replyFrame(60, 200)]);
  });

  it('feeds the watchdog for frames, merged frames and bad frames alike', async () => {
    const board = await loadBoard();
    const before = board.value<number>('machine.wdt_feeds');
    const bad = requestFrame(70, HELLO);
    bad[5] ^= 0xff;
    board.command(requestFrame(71, HELLO));
    board.command(Buffer.concat([requestFrame(72, HELLO), requestFrame(73, STATUS)]));
    board.command(bad);
    expect(board.value<number>('machine.wdt_feeds')).toBe(before + 3);
  });

  it('counts a reply that the TX ring refuses as an error', async () => {
    const photo = fakeJpeg(3000);
    const board = await loadBoard({ setup: 'import camconfig\ncamconfig.TX_RING = 1024' });
    board.setPhoto(photo);
    board.command(requestFrame(80, CAPTURE));
    expect(board.command(requestFrame(81, READ, readArgs(1, 0, 2048)))).toEqual([]);
    const status = board.command(requestFrame(82, STATUS))[0]!;
    expect(status.readUInt32LE(14)).toBe(1);
  });

  it('serves a legacy get from a photo taken with protocol 2', async () => {
    const photo = fakeJpeg(150);
    const board = await boardWithPhoto(photo);
    expect(board.command('get')).toEqual([Buffer.concat([Buffer.from([0xc9, 100, 0]), photo.subarray(0, 100)])]);
  });
});

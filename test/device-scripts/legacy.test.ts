import { describe, expect, it } from 'vitest';
import { fakeJpeg, loadBoard } from './board.js';

const OK = Buffer.from([0xc8]);
const FAILED = Buffer.from([0x64]);

/** 201, u16 LE length, data: the legacy `get` answer. */
function slice(data: Buffer): Buffer {
  const head = Buffer.from([0xc9, 0, 0]);
  head.writeUInt16LE(data.length, 1);
  return Buffer.concat([head, data]);
}

describe('legacy protocol, byte for byte', () => {
  it('answers ping with 200 in a single setdata', async () => {
    const board = await loadBoard();
    expect(board.command('ping')).toEqual([OK]);
  });

  it('switches the flash LED on GPIO4 for flash-on and flash-off', async () => {
    const board = await loadBoard();
    board.takePinWrites();
    expect(board.command('flash-on')).toEqual([OK]);
    expect(board.takePinWrites()).toEqual([[4, 1]]);
    expect(board.command('flash-off')).toEqual([OK]);
    expect(board.takePinWrites()).toEqual([[4, 0]]);
  });

  it('slices a 250-byte photo 100, 100, 50, then 0, and starts over', async () => {
    const board = await loadBoard();
    const photo = fakeJpeg(250);
    board.setPhoto(photo);
    expect(board.command('capture')).toEqual([OK]);
    expect(board.command('get')).toEqual([slice(photo.subarray(0, 100))]);
    expect(board.command('get')).toEqual([slice(photo.subarray(100, 200))]);
    expect(board.command('get')).toEqual([slice(photo.subarray(200, 250))]);
    expect(board.command('get')).toEqual([Buffer.from([0xc9, 0x00, 0x00])]);
    expect(board.command('get')).toEqual([slice(photo.subarray(0, 100))]);
  });

  it('ends a photo of exactly 200 bytes with a full slice and then an empty one', async () => {
    const board = await loadBoard();
    const photo = fakeJpeg(200);
    board.setPhoto(photo);
    board.command('capture');
    const lengths = [0, 1, 2].map(() => board.command('get')[0]!.readUInt16LE(1));
    expect(lengths).toEqual([100, 100, 0]);
  });

  it('restarts the slices when capture is sent again', async () => {
    const board = await loadBoard();
    const first = fakeJpeg(300, 1);
    const second = fakeJpeg(300, 2);
    board.setPhoto(first);
    board.command('capture');
    board.command('get');
    board.setPhoto(second);
    expect(board.command('capture')).toEqual([OK]);
    expect(board.command('get')).toEqual([slice(second.subarray(0, 100))]);
  });

  it('answers 100, never 200, when the camera returns False, nothing, or not a JPEG', async () => {
    const board = await loadBoard();
    for (const result of ['False', "b''", "b'not a jpeg at all'"]) {
      board.py(`camera.next_capture = ${result}`);
      expect(board.command('capture'), result).toEqual([FAILED]);
      expect(board.command('get'), `get after ${result}`).toEqual([FAILED]);
    }
    expect(board.value<number>('camera.capture_calls')).toBe(3);
  });

  it('drops the previous photo when a new capture fails', async () => {
    const board = await loadBoard();
    board.setPhoto(fakeJpeg(150));
    board.command('capture');
    board.py('camera.next_capture = False');
    expect(board.command('capture')).toEqual([FAILED]);
    expect(board.command('get')).toEqual([FAILED]);
  });

  it('answers 100 to a camera that raises, and keeps serving', async () => {
    const board = await loadBoard();
    board.py("camera.next_capture = RuntimeError('sensor gone')");
    expect(board.command('capture')).toEqual([FAILED]);
    expect(board.command('ping')).toEqual([OK]);
  });

  it('answers get with no photo taken with 100', async () => {
    const board = await loadBoard();
    expect(board.command('get')).toEqual([FAILED]);
  });

  it('answers unknown and merged commands with 100', async () => {
    const board = await loadBoard();
    expect(board.command('hello')).toEqual([FAILED]);
    expect(board.command('pingget')).toEqual([FAILED]);
    expect(board.command('ping\x00')).toEqual([FAILED]);
    expect(board.command('PING')).toEqual([FAILED]);
  });

  it('feeds the watchdog once on every command, known or not', async () => {
    const board = await loadBoard();
    const feeds = (): number => board.value<number>('machine.wdt_feeds');
    const start = feeds();
    board.setPhoto(fakeJpeg(120));
    const commands = ['ping', 'capture', 'get', 'flash-on', 'flash-off', 'bogus', 'pingget', '\xff\xff'];
    commands.forEach((command, i) => {
      board.command(command);
      expect(feeds(), command).toBe(start + i + 1);
    });
  });
});

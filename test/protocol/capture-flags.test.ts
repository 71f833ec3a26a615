import { describe, expect, it } from 'vitest';
import { crc8, v2 } from '../../protocol/src/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe("CAPTURE's flags byte", () => {
  it('is left out when no flag is set, so the request is the bytes it was before the flags', () => {
    expect(hex(v2.encodeCaptureArgs({}))).toBe('');
    expect(hex(v2.encodeCaptureArgs({ fresh: false, flash: false }))).toBe('');
    const frame = v2.encodeRequest(0x10, v2.Op.CAPTURE, v2.encodeCaptureArgs({}));
    expect(hex(frame)).toBe(hex(v2.encodeRequest(0x10, v2.Op.CAPTURE)));
    expect(hex(frame.subarray(0, 5))).toBe('a55a100200');
  });

  it('sets bit 0 for fresh and bit 1 for flash', () => {
    expect(hex(v2.encodeCaptureArgs({ fresh: true }))).toBe('01');
    expect(hex(v2.encodeCaptureArgs({ flash: true }))).toBe('02');
    expect(hex(v2.encodeCaptureArgs({ fresh: true, flash: true }))).toBe('03');
    expect(v2.CAPTURE_FLAGS_KNOWN).toBe(0x03);
  });

  it('frames CAPTURE with flash and fresh as A5 5A seq 02 01 03 crc8', () => {
    const frame = v2.encodeRequest(0x2a, v2.Op.CAPTURE, v2.encodeCaptureArgs({ fresh: true, flash: true }));
    expect(hex(frame.subarray(0, 6))).toBe('a55a2a020103');
    expect(frame[6]).toBe(crc8(Uint8Array.from([0x2a, 0x02, 0x01, 0x03])));
    expect(frame).toHaveLength(7);
  });

  it('waits the 150 ms CameraWebServer waits between LED on and the frame', () => {
    expect(v2.FLASH_LEAD_MS).toBe(150);
  });
});

describe("CAPTURE's reply", () => {
  const base = [0x05, 0x00, 0x10, 0x52, 0, 0, 0x26, 0x39, 0xf4, 0xcb];

  it("decodes an older script's 10 bytes with no flags: the script ignored the byte", () => {
    const info = v2.decodeCaptureInfo(Uint8Array.from(base));
    expect(info).toEqual({ photoId: 5, size: 21008, crc32: 0xcbf43926 });
    expect('flags' in info).toBe(false);
  });

  it('decodes the flags the slave honoured from the 11th byte', () => {
    expect(v2.decodeCaptureInfo(Uint8Array.from([...base, 0x03]))).toEqual({ photoId: 5, size: 21008, crc32: 0xcbf43926, flags: 3 });
    expect(v2.decodeCaptureInfo(Uint8Array.from([...base, 0x00])).flags).toBe(0);
  });

  it('encodes what it decodes, byte for byte', () => {
    expect(hex(v2.encodeCaptureInfo({ photoId: 5, size: 21008, crc32: 0xcbf43926 }))).toBe(hex(Uint8Array.from(base)));
    expect(hex(v2.encodeCaptureInfo({ photoId: 5, size: 21008, crc32: 0xcbf43926, flags: 2 }))).toBe(hex(Uint8Array.from([...base, 0x02])));
  });

  it('refuses a reply shorter than 10 bytes', () => {
    expect(() => v2.decodeCaptureInfo(Uint8Array.from(base.slice(0, 9)))).toThrow(v2.PayloadError);
  });
});

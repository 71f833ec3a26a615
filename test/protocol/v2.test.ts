import { describe, expect, it } from 'vitest';
import { crc32, crc8, v2 } from '../../protocol/src/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('checksums', () => {
  it('match the published check values', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc8(check)).toBe(0xf4);
    expect(crc32(check)).toBe(0xcbf43926);
  });

  it('cover only the range asked for', () => {
    const data = Uint8Array.from([0xaa, 0x31, 0x32, 0x33, 0xbb]);
    expect(crc32(data, 1, 4)).toBe(crc32(Uint8Array.from([0x31, 0x32, 0x33])));
    expect(crc8(data, 1, 4)).toBe(crc8(Uint8Array.from([0x31, 0x32, 0x33])));
  });
});

describe('protocol-2 requests', () => {
  it('frames HELLO as A5 5A seq op n crc8', () => {
    const frame = v2.encodeRequest(0x07, v2.Op.HELLO);
    expect(hex(frame.subarray(0, 5))).toBe('a55a070100');
    expect(frame[5]).toBe(crc8(Uint8Array.from([0x07, 0x01, 0x00])));
    expect(frame).toHaveLength(6);
  });

  it('frames READ with photo id, offset and length, little-endian', () => {
    const args = v2.encodeReadArgs(0x0102, 0x00030405, 0x0800);
    expect(hex(args)).toBe('0201050403000008');
    const frame = v2.encodeRequest(0xff, v2.Op.READ, args);
    expect(hex(frame.subarray(0, 13))).toBe('a55aff0308' + '0201050403000008');
    expect(frame[13]).toBe(crc8(frame, 2, 13));
  });

  it('frames a READ of a full 4080-byte chunk at offset 4080 byte for byte', () => {
    // photo 7, offset 0x00000ff0, length 0x0ff0: seq 0x10, op 03, n 08, args, then the CRC-8/SMBUS of seq..args (0xC1).
    const frame = v2.encodeRequest(0x10, v2.Op.READ, v2.encodeReadArgs(7, 4080, 4080));
    expect(hex(frame)).toBe('a55a100308' + '0700f00f0000f00f' + 'c1');
  });

  it('allows as many READs in flight as the TX ring holds full replies, from 1 to the cap', () => {
    expect(v2.readsInFlight(8192, 4080)).toBe(2); // 2 × 4090 = 8180
    expect(v2.readsInFlight(8192, 4086)).toBe(2); // 2 × 4096 fills the ring exactly
    expect(v2.readsInFlight(8192, 4087)).toBe(1);
    expect(v2.readsInFlight(8192, 2048)).toBe(3); // 4 × 2058 would not fit, and 3 is the cap anyway
    expect(v2.readsInFlight(65535, 256)).toBe(3);
    expect(v2.readsInFlight(65535, 256, 8)).toBe(8);
    expect(v2.readsInFlight(0, 2048)).toBe(1); // a ring too small for one reply: one at a time, as before
  });

  it('frames FLASH on and off', () => {
    expect(hex(v2.encodeFlashArgs(true))).toBe('01');
    expect(hex(v2.encodeFlashArgs(false))).toBe('00');
  });

  it('refuses a sequence number that is not a byte', () => {
    expect(() => v2.encodeRequest(256, v2.Op.HELLO)).toThrow(RangeError);
    expect(() => v2.encodeRequest(-1, v2.Op.HELLO)).toThrow(RangeError);
  });
});

describe('protocol-2 replies', () => {
  const payload = Uint8Array.from([1, 2, 3, 4, 5]);
  const frame = v2.encodeReply(9, 201, payload);

  it('encodes A5 5A seq status len16 payload crc32', () => {
    expect(hex(frame.subarray(0, 6))).toBe('a55a09c90500');
    expect(hex(frame.subarray(6, 11))).toBe('0102030405');
    const crc = new DataView(frame.buffer).getUint32(11, true);
    expect(crc).toBe(crc32(frame, 2, 11));
    expect(frame).toHaveLength(15);
  });

  it('decodes a header and verifies the frame', () => {
    const header = v2.decodeReplyHeader(frame);
    expect(header).toEqual({ kind: 'header', header: { seq: 9, status: 201, length: 5 } });
    if (header.kind !== 'header') return;
    const verified = v2.verifyReply(frame, header.header);
    expect(verified.ok && [...verified.payload]).toEqual([1, 2, 3, 4, 5]);
  });

  it('tells garbage from a header: a repeated byte or 0xFF never has the magic', () => {
    expect(v2.decodeReplyHeader(new Uint8Array(6).fill(0xa5))).toEqual({ kind: 'no-frame' });
    expect(v2.decodeReplyHeader(new Uint8Array(6).fill(0x5a))).toEqual({ kind: 'no-frame' });
    expect(v2.decodeReplyHeader(new Uint8Array(6).fill(0xff))).toEqual({ kind: 'no-frame' });
  });

  it('rejects an unknown status and an oversized length', () => {
    expect(v2.decodeReplyHeader(Uint8Array.from([0xa5, 0x5a, 1, 0x42, 0, 0])).kind).toBe('bad-header');
    expect(v2.decodeReplyHeader(Uint8Array.from([0xa5, 0x5a, 1, 201, 0x01, 0x10]), 2048)).toEqual({
      kind: 'bad-header',
      reason: 'payload length 4097 exceeds 2048',
    });
  });

  it('catches every single flipped bit in payload or CRC', () => {
    for (let bit = 0; bit < (frame.length - 6) * 8; bit++) {
      const bad = frame.slice();
      bad[6 + (bit >> 3)]! ^= 1 << (bit & 7);
      expect(v2.verifyReply(bad, { seq: 9, status: 201, length: 5 }).ok).toBe(false);
    }
  });

  it('finds a frame behind stale bytes', () => {
    const stream = Uint8Array.from([0x00, 0xa5, 0x11, ...frame]);
    expect(v2.findMagic(stream)).toBe(3);
    expect(v2.findMagic(Uint8Array.from([0xa5, 0xa5, 0xa5]))).toBe(-1);
  });

  it('decodes HELLO, CAPTURE and STATUS payloads', () => {
    expect(v2.decodeHello(Uint8Array.from([2, 0x00, 0x08, 0x00, 0x20, ...new TextEncoder().encode('esp32cam/2')]))).toEqual({
      proto: 2,
      maxChunk: 2048,
      txRing: 8192,
      firmware: 'esp32cam/2',
    });
    expect(v2.decodeCaptureInfo(Uint8Array.from([0x05, 0x00, 0x10, 0x52, 0, 0, 0x26, 0x39, 0xf4, 0xcb]))).toEqual({
      photoId: 5,
      size: 21008,
      crc32: 0xcbf43926,
    });
    const status = Uint8Array.from([0xe8, 3, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 0x60, 0xea, 0, 0]);
    expect(v2.decodeStatusInfo(status)).toEqual({
      uptimeMs: 1000,
      captures: 2,
      errors: 1,
      resetCause: 3,
      flash: true,
      wdtTimeoutMs: 60000,
    });
  });

  describe('STATUS with the health extension', () => {
    const base = Uint8Array.from([0xe8, 3, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 0x60, 0xea, 0, 0]);
    // bootCount 7, freeHeap 0x00012345, camera ok, last error "bad frame CRC"
    const error = new TextEncoder().encode('bad frame CRC');
    const extension = Uint8Array.from([7, 0, 0, 0, 0x45, 0x23, 0x01, 0x00, 1, error.length, ...error]);
    const full = Uint8Array.from([...base, ...extension]);

    it('decodes boot count, free heap, camera state and the last error after the first 18 bytes', () => {
      expect(full).toHaveLength(28 + 13);
      expect(v2.decodeStatusInfo(full)).toEqual({
        uptimeMs: 1000,
        captures: 2,
        errors: 1,
        resetCause: 3,
        flash: true,
        wdtTimeoutMs: 60000,
        bootCount: 7,
        freeHeap: 0x12345,
        cameraOk: true,
        lastError: 'bad frame CRC',
      });
    });

    it('decodes an empty last error and a failed camera', () => {
      const status = v2.decodeStatusInfo(Uint8Array.from([...base, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]));
      expect([status.bootCount, status.freeHeap, status.cameraOk, status.lastError]).toEqual([0, 1, false, '']);
    });

    it("leaves the health fields out of an older script's 18-byte reply", () => {
      const status = v2.decodeStatusInfo(base);
      expect(Object.keys(status).sort()).toEqual(['captures', 'errors', 'flash', 'resetCause', 'uptimeMs', 'wdtTimeoutMs']);
    });

    it('refuses an extension cut short, in its fixed part or in its text', () => {
      for (const cut of [19, 27, full.length - 1]) {
        expect(() => v2.decodeStatusInfo(full.subarray(0, cut)), `${cut} bytes`).toThrow(v2.PayloadError);
      }
    });

    it('ignores bytes a later script may append after the text', () => {
      expect(v2.decodeStatusInfo(Uint8Array.from([...full, 9, 9])).lastError).toBe('bad frame CRC');
    });
  });

  it("names the reset causes with MicroPython's esp32 numbering", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 255, -1, 1.5].map((n) => v2.resetCauseName(n))).toEqual([
      'UNKNOWN',
      'PWRON_RESET',
      'HARD_RESET',
      'WDT_RESET',
      'DEEPSLEEP_RESET',
      'SOFT_RESET',
      'UNKNOWN',
      'UNKNOWN',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });

  it('frames RESYNC as op 0x06 with no arguments', () => {
    expect(hex(v2.encodeRequest(0x21, v2.Op.RESYNC))).toBe('a55a21060056');
  });

  it('refuses payloads too short for their operation', () => {
    expect(() => v2.decodeCaptureInfo(new Uint8Array(9))).toThrow(/CAPTURE payload is 9 bytes, needs 10/);
    expect(() => v2.decodeHello(new Uint8Array(2))).toThrow(v2.PayloadError);
  });

  it('renders a failure reason as printable ASCII', () => {
    expect(v2.decodeReason(Uint8Array.from([...new TextEncoder().encode('no photo'), 0x00]))).toBe('no photo?');
  });
});

describe('protocol-2 SETTINGS', () => {
  it('is op 0x07 and sends each setting as id u8, value i16 little-endian, in id order', () => {
    const args = v2.encodeSettingsArgs({ vflip: 1, framesize: 8, brightness: -2, quality: 63 });
    expect(hex(args)).toBe('010800' + '023f00' + '03feff' + '060100');
    const frame = v2.encodeRequest(0x10, v2.Op.SETTINGS, args);
    expect(hex(frame.subarray(0, 5))).toBe('a55a10070c');
    expect(frame[17]).toBe(crc8(frame, 2, 17));
  });

  it('numbers every setting as the README table does', () => {
    const all = { framesize: 13, quality: 10, brightness: 2, contrast: -1, saturation: -2, vflip: 0, hmirror: 1, special_effect: 6, wb_mode: 4 };
    expect(hex(v2.encodeSettingsArgs(all))).toBe('010d00' + '020a00' + '030200' + '04ffff' + '05feff' + '060000' + '070100' + '080600' + '090400');
    expect(v2.decodeSettings(v2.encodeSettingsArgs(all))).toEqual(all);
  });

  it('sends no bytes for no settings, which asks the slave what it holds', () => {
    expect(v2.encodeSettingsArgs({})).toHaveLength(0);
    expect(v2.decodeSettings(new Uint8Array(0))).toEqual({});
  });

  it('refuses unknown settings and values out of range, naming them', () => {
    expect(() => v2.encodeSettingsArgs({ quality: 9 })).toThrow('quality must be an integer from 10 to 63, not 9');
    expect(() => v2.encodeSettingsArgs({ framesize: 14 })).toThrow('framesize must be an integer from 0 to 13');
    expect(() => v2.encodeSettingsArgs({ brightness: 0.5 })).toThrow('brightness');
    expect(() => v2.encodeSettingsArgs({ sharpness: 1 } as v2.CameraSettings)).toThrow('unknown setting sharpness');
  });

  it('decodes a reply, skipping ids it does not know and refusing a cut pair', () => {
    expect(v2.decodeSettings(Uint8Array.from([0x01, 0x05, 0x00, 0x63, 0x01, 0x00, 0x03, 0xff, 0xff]))).toEqual({ framesize: 5, brightness: -1 });
    expect(() => v2.decodeSettings(Uint8Array.from([0x01, 0x05]))).toThrow(v2.PayloadError);
  });

  it("numbers frame sizes as esp32-camera's framesize_t", () => {
    expect(v2.frameSizeNumber('QQVGA')).toBe(1);
    expect(v2.frameSizeNumber('qvga')).toBe(5);
    expect(v2.frameSizeNumber('VGA')).toBe(8);
    expect(v2.frameSizeNumber('UXGA')).toBe(13);
    expect(v2.frameSizeNumber('QXGA')).toBeUndefined();
    expect(v2.FRAME_SIZES[9]).toEqual({ name: 'SVGA', width: 800, height: 600 });
  });

  it('needs PSRAM above VGA, as the slave script refuses', () => {
    expect(v2.frameSizeNeedsPsram(8)).toBe(false);
    expect(v2.frameSizeNeedsPsram(9)).toBe(true);
    expect(v2.FRAME_SIZES.filter((_f, i) => !v2.frameSizeNeedsPsram(i)).at(-1)!.name).toBe('VGA');
  });

  it('names every value of the enumerated settings, and no more', () => {
    for (const [name, labels] of Object.entries(v2.SETTING_LABELS)) {
      const { min, max } = v2.SETTINGS[name as v2.SettingName];
      expect(labels.length, name).toBe(max - min + 1);
    }
    expect(v2.SETTING_LABELS.special_effect[6]).toBe('Sepia');
    expect(v2.SETTING_LABELS.wb_mode[2]).toBe('Cloudy');
  });
});

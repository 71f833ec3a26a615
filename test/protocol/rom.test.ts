import { describe, expect, it } from 'vitest';
import {
  checksum,
  decodeBegin,
  decodeDataBlock,
  decodeRequest,
  decodeResponse,
  decodeWriteReg,
  encodeBegin,
  encodeDataBlock,
  encodeReadReg,
  encodeRequest,
  encodeResponse,
  encodeSpiAttach,
  encodeWriteReg,
  ESP32_ROM_STATUS_LENGTH,
  Op,
  opName,
  STUB_STATUS_LENGTH,
  SYNC_PAYLOAD,
} from '../../protocol/src/rom/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ROM protocol packets', () => {
  it('encodes READ_REG as esptool traces show it', () => {
    // esptool --trace: "command op=0x0a data len=4 … data=00100040" → c0 000a0400 00000000 00100040 c0
    expect(hex(encodeRequest(Op.READ_REG, encodeReadReg(0x40001000)))).toBe('000a04000000000000100040');
  });

  it('encodes the SYNC request: 07 07 12 20 and 32 × 55', () => {
    const req = encodeRequest(Op.SYNC, SYNC_PAYLOAD);
    expect(hex(req.subarray(0, 12))).toBe('000824000000000007071220');
    expect(req.subarray(12).every((b) => b === 0x55)).toBe(true);
    expect(req).toHaveLength(44);
  });

  it('decodes an ESP32 ROM READ_REG reply (value in the header, 4 status bytes)', () => {
    const r = decodeResponse(Buffer.from('010a0400831df00000000000', 'hex'), ESP32_ROM_STATUS_LENGTH);
    expect(r).toMatchObject({ ok: true, packet: { op: 0x0a, value: 0x00f01d83, status: 0, error: 0 } });
    expect(r.ok && r.packet.data.length).toBe(0);
  });

  it('encodes replies with 4 (ROM) or 2 (stub) status bytes', () => {
    expect(hex(encodeResponse(Op.FLASH_DATA, { status: 1, error: 7, statusLength: 4 }))).toBe('010304000000000001070000');
    expect(hex(encodeResponse(Op.SPI_FLASH_MD5, { data: Uint8Array.of(0xaa, 0xbb), statusLength: STUB_STATUS_LENGTH }))).toBe(
      '01130400' + '00000000' + 'aabb0000',
    );
  });

  it('checks direction and length when decoding', () => {
    expect(decodeRequest(Buffer.from('01080000', 'hex')).ok).toBe(false);
    expect(decodeRequest(Buffer.from('010800000000000000', 'hex'))).toMatchObject({ ok: false });
    expect(decodeRequest(Buffer.from('0008050000000000aabb', 'hex'))).toMatchObject({ ok: false, reason: expect.stringContaining('says 5') });
    expect(decodeResponse(Buffer.from('0108020000000000aabb', 'hex'), 4)).toMatchObject({ ok: false });
  });

  it('computes the checksum with seed 0xEF over the data only', () => {
    expect(checksum(new Uint8Array(0))).toBe(0xef);
    expect(checksum(Uint8Array.of(0xef))).toBe(0);
    expect(checksum(Uint8Array.of(0x01, 0x02, 0x04))).toBe(0xef ^ 0x07);
    const { payload, checksum: chk } = encodeDataBlock(3, Uint8Array.of(0x10, 0x20));
    expect(hex(payload)).toBe('02000000' + '03000000' + '00000000' + '00000000' + '1020');
    expect(chk).toBe(0xef ^ 0x10 ^ 0x20);
  });

  it('decodes a data block and catches bad length and checksum', () => {
    const { payload, checksum: chk } = encodeDataBlock(7, Uint8Array.of(1, 2, 3));
    expect(decodeDataBlock(payload, chk)).toEqual({ ok: true, block: { seq: 7, data: Uint8Array.of(1, 2, 3) } });
    expect(decodeDataBlock(payload, chk ^ 1)).toEqual({ ok: false, reason: 'checksum' });
    expect(decodeDataBlock(payload.subarray(0, payload.length - 1), chk)).toEqual({ ok: false, reason: 'length' });
    expect(decodeDataBlock(payload.subarray(0, 10), chk)).toEqual({ ok: false, reason: 'short' });
  });

  it('round-trips BEGIN, WRITE_REG and SPI_ATTACH parameters', () => {
    const begin = { size: 0x1000, blocks: 4, blockSize: 0x400, offset: 0x10000 };
    expect(hex(encodeBegin(begin))).toBe('00100000' + '04000000' + '00040000' + '00000100');
    expect(decodeBegin(encodeBegin(begin))).toEqual(begin);
    expect(decodeBegin(new Uint8Array(12))).toBeUndefined();
    const writes = [
      { address: 0x3ff42000, value: 1 << 18, mask: 0xffffffff, delayUs: 0 },
      { address: 0x60000078, value: 0, mask: 0, delayUs: 5 },
    ];
    expect(decodeWriteReg(encodeWriteReg(...writes))).toEqual(writes);
    expect(decodeWriteReg(new Uint8Array(15))).toBeUndefined();
    expect(encodeSpiAttach(0, true)).toHaveLength(8);
    expect(encodeSpiAttach(0, false)).toHaveLength(4);
  });

  it('names opcodes for messages', () => {
    expect(opName(0x11)).toBe('FLASH_DEFL_DATA');
    expect(opName(0x77)).toBe('0x77');
  });

  it('refuses an op that is not a byte or data over 65535 bytes', () => {
    expect(() => encodeRequest(256)).toThrow(RangeError);
    expect(() => encodeRequest(Op.FLASH_DATA, new Uint8Array(0x10000))).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeLegacyReply, decodeLegacySlice, encodeLegacyCommand, LEGACY_COMMANDS } from '../../protocol/src/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('legacy commands', () => {
  it('encodes each command as bare ASCII with no terminator', () => {
    expect([...encodeLegacyCommand('ping')]).toEqual([0x70, 0x69, 0x6e, 0x67]);
    expect([...encodeLegacyCommand('capture')]).toEqual([0x63, 0x61, 0x70, 0x74, 0x75, 0x72, 0x65]);
    expect([...encodeLegacyCommand('get')]).toEqual([0x67, 0x65, 0x74]);
    expect([...encodeLegacyCommand('flash-on')]).toEqual([0x66, 0x6c, 0x61, 0x73, 0x68, 0x2d, 0x6f, 0x6e]);
    expect([...encodeLegacyCommand('flash-off')]).toEqual([0x66, 0x6c, 0x61, 0x73, 0x68, 0x2d, 0x6f, 0x66, 0x66]);
    expect(LEGACY_COMMANDS).toHaveLength(5);
  });

  it('refuses a command the protocol does not have', () => {
    expect(() => encodeLegacyCommand('reboot' as never)).toThrow(/unknown legacy command "reboot"/);
  });
});

describe('legacy replies', () => {
  it('decodes 200 and 100 as one byte with nothing after', () => {
    expect(decodeLegacyReply(bytes(0xc8))).toEqual({ kind: 'ok' });
    expect(decodeLegacyReply(bytes(0x64))).toEqual({ kind: 'failed' });
  });

  it('decodes 201 with a little-endian length and that many bytes', () => {
    const reply = decodeLegacyReply(bytes(0xc9, 0x03, 0x00, 0xff, 0xd8, 0xff, 0xee));
    expect(reply.kind).toBe('data');
    if (reply.kind !== 'data') return;
    expect(reply.length).toBe(3);
    expect([...reply.data]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('decodes the zero-length slice that ends a photo', () => {
    const reply = decodeLegacyReply(bytes(0xc9, 0x00, 0x00));
    expect(reply).toMatchObject({ kind: 'data', length: 0 });
  });

  it('reads the length low byte first', () => {
    const data = new Uint8Array(0x0164).fill(7);
    const reply = decodeLegacyReply(Uint8Array.from([0xc9, 0x64, 0x01, ...data]), 0x200);
    expect(reply).toMatchObject({ kind: 'data', length: 356 });
  });

  it('says how many bytes it still needs', () => {
    expect(decodeLegacyReply(bytes())).toEqual({ kind: 'incomplete', need: 1 });
    expect(decodeLegacyReply(bytes(0xc9))).toEqual({ kind: 'incomplete', need: 3 });
    expect(decodeLegacyReply(bytes(0xc9, 0x05))).toEqual({ kind: 'incomplete', need: 3 });
    expect(decodeLegacyReply(bytes(0xc9, 0x05, 0x00, 1, 2))).toEqual({ kind: 'incomplete', need: 8 });
  });

  it('rejects a status byte that is not 200, 201 or 100', () => {
    expect(decodeLegacyReply(bytes(0xff))).toEqual({ kind: 'malformed', reason: 'status byte 0xFF is not 200, 201 or 100' });
    expect(decodeLegacyReply(bytes(0x00)).kind).toBe('malformed');
  });

  it('rejects a length above the slice size: that is a repeated garbage byte, not a header', () => {
    // An empty ring read right after a 201 repeats 0xC9: C9 C9 C9 would claim 51657 bytes.
    expect(decodeLegacyReply(bytes(0xc9, 0xc9, 0xc9))).toEqual({
      kind: 'malformed',
      reason: 'slice length 51657 exceeds the 100-byte maximum',
    });
    expect(decodeLegacyReply(bytes(0xc9, 101, 0)).kind).toBe('malformed');
    expect(decodeLegacyReply(Uint8Array.from([0xc9, 100, 0, ...new Uint8Array(100)])).kind).toBe('data');
  });

  it('decodes a slice on its own, as read after a 201 that came in an earlier read', () => {
    expect(decodeLegacySlice(bytes(0x02, 0x00, 0xaa, 0xbb, 0xcc))).toEqual({ kind: 'data', data: bytes(0xaa, 0xbb), length: 2 });
    expect(decodeLegacySlice(bytes(0x00, 0x00))).toEqual({ kind: 'data', data: bytes(), length: 0 });
    expect(decodeLegacySlice(bytes(0x05))).toEqual({ kind: 'incomplete', need: 2 });
    expect(decodeLegacySlice(bytes(0x05, 0x00, 1))).toEqual({ kind: 'incomplete', need: 7 });
    expect(decodeLegacySlice(bytes(0xc9, 0xc9)).kind).toBe('malformed');
  });
});

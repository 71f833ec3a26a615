import { describe, expect, it } from 'vitest';
import { checkJpeg } from '../../protocol/src/index.js';

const jpeg = (middle: number[]) => Uint8Array.from([0xff, 0xd8, ...middle, 0xff, 0xd9]);

describe('checkJpeg', () => {
  it('accepts SOI … EOI of the expected length', () => {
    expect(checkJpeg(jpeg([1, 2, 3]), 7)).toEqual({ ok: true });
    expect(checkJpeg(jpeg([]))).toEqual({ ok: true });
  });

  it('refuses a photo missing its EOI: a truncated download', () => {
    expect(checkJpeg(Uint8Array.from([0xff, 0xd8, 1, 2, 0xff]))).toEqual({
      ok: false,
      reason: 'does not end with the JPEG EOI marker FF D9 (truncated)',
    });
  });

  it('refuses bytes that do not start with SOI, such as the legacy False photo', () => {
    expect(checkJpeg(Uint8Array.from([0x00, 0xd8, 0xff, 0xd9])).ok).toBe(false);
    expect(checkJpeg(new Uint8Array(0))).toEqual({ ok: false, reason: 'only 0 bytes: too short to be a JPEG' });
  });

  it('refuses a length other than the one announced, even with both markers', () => {
    expect(checkJpeg(jpeg([1, 2, 3]), 8)).toEqual({ ok: false, reason: 'got 7 bytes, expected 8' });
  });

  it('checks a photo whose size is an exact multiple of the slice size', () => {
    const photo = new Uint8Array(200).fill(0x11);
    photo.set([0xff, 0xd8], 0);
    photo.set([0xff, 0xd9], 198);
    expect(checkJpeg(photo, 200)).toEqual({ ok: true });
  });
});

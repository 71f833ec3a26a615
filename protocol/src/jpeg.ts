/** Structural check of a reassembled photo: what the camera sends is a baseline JFIF/EXIF JPEG. */

export type JpegCheck = { ok: true } | { ok: false; reason: string };

export function checkJpeg(photo: Uint8Array, expectedLength?: number): JpegCheck {
  if (expectedLength !== undefined && photo.length !== expectedLength) {
    return { ok: false, reason: `got ${photo.length} bytes, expected ${expectedLength}` };
  }
  if (photo.length < 4) return { ok: false, reason: `only ${photo.length} bytes: too short to be a JPEG` };
  if (photo[0] !== 0xff || photo[1] !== 0xd8) return { ok: false, reason: 'does not start with the JPEG SOI marker FF D8' };
  const n = photo.length;
  if (photo[n - 2] !== 0xff || photo[n - 1] !== 0xd9) return { ok: false, reason: 'does not end with the JPEG EOI marker FF D9 (truncated)' };
  return { ok: true };
}

import sharp from 'sharp';
import { Esp32CamError } from '../errors.js';

export const THUMB_MAX_WIDTH = 320;
export const THUMB_MAX_HEIGHT = 240;

/** Width and height of a JPEG, read by decoding its header; anything that is not a JPEG is E_INVALID_JPEG. */
export async function jpegSize(jpeg: Buffer): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(jpeg).metadata();
    if (meta.format === 'jpeg' && meta.width && meta.height) return { width: meta.width, height: meta.height };
  } catch {
    // Falls through to the same error: sharp's own message is about libvips, not about the photo.
  }
  throw new Esp32CamError('E_INVALID_JPEG', 'The photo is not a readable JPEG', 'Take the photo again; if it keeps happening, check the camera ribbon cable.');
}

/** A small JPEG for the photo list; decoding the whole photo also proves it is not truncated. */
export async function makeThumbnail(jpeg: Buffer): Promise<Buffer> {
  try {
    return await sharp(jpeg, { failOn: 'truncated' })
      .resize({ width: THUMB_MAX_WIDTH, height: THUMB_MAX_HEIGHT, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 70 })
      .toBuffer();
  } catch (err) {
    throw new Esp32CamError(
      'E_INVALID_JPEG',
      'The photo could not be decoded to make a thumbnail',
      'Take the photo again; if it keeps happening, check the camera ribbon cable.',
      { cause: err },
    );
  }
}

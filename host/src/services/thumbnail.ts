import sharp from 'sharp';
import { Esp32CamError } from '../errors.js';

export const THUMB_MAX_WIDTH = 320;
export const THUMB_MAX_HEIGHT = 240;

/** A small JPEG for the photo list. It decodes the whole photo, so a truncated one is E_INVALID_JPEG. */
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

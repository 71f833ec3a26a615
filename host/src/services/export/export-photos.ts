import { createHash } from 'node:crypto';
import { isEsp32CamError } from '../../errors.js';
import type { PhotoStore } from '../photo-store.js';
import type { PhotoRecord } from '../photo-record.js';

/** Where an export reads JPEGs from. */
export type JpegSource = Pick<PhotoStore, 'readJpeg'>;

/** A photo of the range that is not in the export, and why. */
export interface SkippedPhoto {
  id: string;
  takenAt: string;
  /** `deleted`: retention or a user removed it while the export ran; `changed`: its bytes no longer match its record. */
  reason: 'deleted' | 'changed';
}

export type ExportPhoto = { jpeg: Buffer } | { skipped: SkippedPhoto };

/**
 * Reads one photo of an export when its turn comes. A photo deleted since the range was listed is skipped,
 * and so is one whose bytes are not those its record vouches for; any other failure (an I/O error) is
 * thrown, so the export stops instead of quietly leaving photos out.
 */
export async function readExportPhoto(store: JpegSource, record: PhotoRecord): Promise<ExportPhoto> {
  let jpeg: Buffer;
  try {
    jpeg = await store.readJpeg(record.id);
  } catch (err) {
    if (isEsp32CamError(err, 'E_NOT_FOUND')) return { skipped: { id: record.id, takenAt: record.takenAt, reason: 'deleted' } };
    throw err;
  }
  if (createHash('sha256').update(jpeg).digest('hex') !== record.sha256) {
    return { skipped: { id: record.id, takenAt: record.takenAt, reason: 'changed' } };
  }
  return { jpeg };
}

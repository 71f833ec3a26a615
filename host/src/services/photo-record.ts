import { z } from 'zod';
import { PHOTO_ID_PATTERN } from './photo-id.js';

/** The metadata stored next to each JPEG as `<id>.json`. */
export interface PhotoRecord {
  id: string;
  /** ISO 8601, UTC. */
  takenAt: string;
  /** Bytes of the JPEG. */
  size: number;
  /** The camera spec that took it: `sim`, `i2c:1@0x2c`. */
  camera: string;
  /** From the capture command to the last byte received. */
  captureMs: number;
  width: number;
  height: number;
  /** Hex SHA-256 of the JPEG. */
  sha256: string;
}

/** Metadata read back from disk is checked, since anything may have edited it. */
export const photoRecordSchema = z.object({
  id: z.string().regex(PHOTO_ID_PATTERN),
  takenAt: z.string().datetime(),
  size: z.number().int().nonnegative(),
  camera: z.string(),
  captureMs: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

import { z } from 'zod';
import { PHOTO_ID_PATTERN } from './photo-id.js';

/** The metadata stored next to each JPEG as `<id>.json`. */
export interface PhotoRecord {
  id: string;
  /** ISO 8601, UTC. */
  takenAt: string;
  /** Bytes of the JPEG. */
  size: number;
  /** The name of the camera that took it: `front`. Records from before names hold the spec here. */
  camera: string;
  /** Where that camera was: `sim@0x2d`, `i2c:1@0x2c`. Absent in records from before names. */
  spec?: string;
  /** From the capture command to the last byte received. */
  captureMs: number;
  width: number;
  height: number;
  /** Hex SHA-256 of the JPEG. */
  sha256: string;
  /** The id of the schedule that took it; absent for photos taken by hand. */
  schedule?: string;
}

/** Metadata read back from disk is checked, since anything may have edited it. */
export const photoRecordSchema = z.object({
  id: z.string().regex(PHOTO_ID_PATTERN),
  takenAt: z.string().datetime(),
  size: z.number().int().nonnegative(),
  camera: z.string(),
  spec: z.string().optional(),
  captureMs: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  schedule: z.string().max(64).optional(),
});

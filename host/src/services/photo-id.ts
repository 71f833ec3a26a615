import { randomBytes } from 'node:crypto';
import { Esp32CamError } from '../errors.js';

/**
 * Photo ids are the UTC time to the millisecond plus 8 random hex digits: `20261120-233100-123-9f3a0c1d`.
 * They sort by time as plain strings, and the strict pattern is the only gate between a URL and a path:
 * nothing that fails it (`..`, `/`, NUL, `%2e`, long strings) ever reaches the file system.
 */
export const PHOTO_ID_PATTERN = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}$/;

export const isPhotoId = (value: unknown): value is string => typeof value === 'string' && PHOTO_ID_PATTERN.test(value);

export function assertPhotoId(value: unknown): string {
  if (isPhotoId(value)) return value;
  throw new Esp32CamError('E_BAD_ID', 'That is not a photo id', 'Photo ids look like 20261120-233100-123-9f3a0c1d; list photos with GET /api/photos.');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function idTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** The millisecond an id was made at. */
export function photoIdTime(id: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})/.exec(id);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Makes ids that always sort after every id made before, even within one millisecond or when the clock
 * steps back: each id's time is at least one millisecond past the last one.
 */
export class PhotoIdGenerator {
  private lastMs: number;

  constructor(after?: string) {
    this.lastMs = after ? photoIdTime(after) : -Infinity;
  }

  next(now = Date.now()): string {
    const ms = Math.max(now, this.lastMs + 1);
    this.lastMs = ms;
    return `${idTime(ms)}-${randomBytes(4).toString('hex')}`;
  }
}

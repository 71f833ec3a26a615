import { Esp32CamError } from '../../errors.js';
import type { PhotoStore } from '../photo-store.js';
import type { PhotoRecord } from '../photo-record.js';
import { describeRange, type ExportRange, type ScheduleFilter } from './export-query.js';

/** The listing a selection walks: pages of a camera's photos, newest first. */
export type PhotoLister = Pick<PhotoStore, 'list'>;

const PAGE = 500;

const scheduleMatches = (filter: ScheduleFilter, record: PhotoRecord): boolean =>
  filter.kind === 'all' || (filter.kind === 'manual' ? record.schedule === undefined : record.schedule === filter.id);

/**
 * The camera's photos in the range, oldest first: the order a timelapse plays and a folder sorts. The list
 * is taken once, at the start: photos taken while an export runs are not in it, and photos deleted while it
 * runs are skipped when their turn comes.
 */
export function selectPhotos(store: PhotoLister, camera: string, range: ExportRange): PhotoRecord[] {
  const from = range.from?.getTime() ?? -Infinity;
  const to = range.to?.getTime() ?? Infinity;
  const picked: PhotoRecord[] = [];
  let before: string | undefined;
  for (;;) {
    const page = store.list({ camera, limit: PAGE, ...(before !== undefined ? { before } : {}) });
    for (const record of page.items) {
      const at = Date.parse(record.takenAt);
      if (at >= from && at <= to && scheduleMatches(range.schedule, record)) picked.push(record);
    }
    if (page.next === null) break;
    before = page.next;
  }
  return picked.reverse();
}

/** What a range holds, for a preview before the export. */
export interface ExportSummary {
  count: number;
  /** Bytes of the JPEGs; a ZIP adds a little for names and the manifest. */
  bytes: number;
  first: string | null;
  last: string | null;
  /** Each frame size in the range, most common first. */
  sizes: Array<{ width: number; height: number; count: number }>;
}

export function summarize(photos: PhotoRecord[]): ExportSummary {
  const sizes = new Map<string, { width: number; height: number; count: number }>();
  for (const p of photos) {
    const key = `${p.width}x${p.height}`;
    const size = sizes.get(key) ?? { width: p.width, height: p.height, count: 0 };
    size.count++;
    sizes.set(key, size);
  }
  return {
    count: photos.length,
    bytes: photos.reduce((sum, p) => sum + p.size, 0),
    first: photos[0]?.takenAt ?? null,
    last: photos.at(-1)?.takenAt ?? null,
    // A stable sort keeps the first-seen size ahead on a tie.
    sizes: [...sizes.values()].sort((a, b) => b.count - a.count),
  };
}

/** An empty range is an error, not an empty archive: a download that holds nothing helps nobody. */
export function assertNotEmpty(photos: PhotoRecord[], camera: string, range: ExportRange): void {
  if (photos.length > 0) return;
  throw new Esp32CamError(
    'E_NOT_FOUND',
    `Camera "${camera}" has no photos ${describeRange(range)}`,
    `Widen the range or change the schedule filter; GET /api/cameras/${camera}/export shows what a range holds.`,
  );
}

/** `2026-12-02T16-30-00.000Z`: an ISO time that every file system takes as a name. */
const fileTime = (iso: string): string => iso.replace(/:/g, '-');

/** A ZIP entry's name: when it was taken, then its id, so names sort by time and never collide. */
export const entryName = (record: PhotoRecord): string => `${fileTime(record.takenAt)}_${record.id}.jpg`;

/** `front-20261202T163000Z-20261202T180000Z.zip`: the camera and the times of its first and last photo. */
export function exportFileName(camera: string, photos: PhotoRecord[], extension: 'zip' | 'mp4'): string {
  const compact = (iso: string): string => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${camera}-${compact(photos[0].takenAt)}-${compact(photos.at(-1)!.takenAt)}.${extension}`;
}

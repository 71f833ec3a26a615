import { once } from 'node:events';
import { Transform, type PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { PhotoRecord } from '../photo-record.js';
import { readExportPhoto, type JpegSource, type SkippedPhoto } from './export-photos.js';
import type { ExportRange } from './export-query.js';
import { entryName } from './export-selection.js';

export const MANIFEST_NAME = 'manifest.json';

export interface ZipExportRequest {
  store: JpegSource;
  camera: string;
  range: ExportRange;
  /** Oldest first, as selectPhotos gives them. */
  photos: PhotoRecord[];
  out: Writable;
  /** Aborting stops the export and destroys `out`. */
  signal?: AbortSignal;
  now?: () => Date;
}

export interface ZipExportResult {
  /** JPEGs in the archive. */
  written: number;
  skipped: SkippedPhoto[];
  /** Bytes of the whole archive. */
  bytes: number;
}

/** What an archive's manifest.json holds: the range asked for, every JPEG in it, and every photo left out. */
export interface ExportManifest {
  camera: string;
  exportedAt: string;
  range: { from: string | null; to: string | null; schedule: string };
  photos: Array<{
    file: string;
    id: string;
    takenAt: string;
    sha256: string;
    size: number;
    width: number;
    height: number;
    schedule: string | null;
  }>;
  skipped: SkippedPhoto[];
}

const scheduleText = (range: ExportRange): string => (range.schedule.kind === 'schedule' ? range.schedule.id : range.schedule.kind);

/**
 * Streams the photos as a ZIP into `out`, stored as they are (a JPEG does not compress), each read only when
 * its turn comes and written only once the previous one has drained: the archive is never whole in memory.
 * The manifest goes last, so it can name the photos that vanished on the way.
 *
 * When anything fails half-way (a read error, the client hanging up), `out` is destroyed rather than
 * ended: a client must see a broken download, never a short archive that looks complete.
 */
export async function writeZipExport(req: ZipExportRequest): Promise<ZipExportResult> {
  const zip = new ZipFile();
  // yazl's own stream; its types call it only a ReadableStream.
  const archive = zip.outputStream as PassThrough;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const stopped = new AbortController();
  const piped = pipeline(archive, counter, req.out);
  // The output failing (a client that hung up) ends the loop below as well.
  piped.catch((err: unknown) => stopped.abort(err));
  const signal = req.signal ? AbortSignal.any([req.signal, stopped.signal]) : stopped.signal;
  const manifest: ExportManifest = {
    camera: req.camera,
    exportedAt: (req.now?.() ?? new Date()).toISOString(),
    range: { from: req.range.from?.toISOString() ?? null, to: req.range.to?.toISOString() ?? null, schedule: scheduleText(req.range) },
    photos: [],
    skipped: [],
  };
  try {
    for (const record of req.photos) {
      signal.throwIfAborted();
      const photo = await readExportPhoto(req.store, record);
      signal.throwIfAborted();
      if ('skipped' in photo) {
        manifest.skipped.push(photo.skipped);
        continue;
      }
      const file = entryName(record);
      zip.addBuffer(photo.jpeg, file, { compress: false, mtime: new Date(record.takenAt) });
      manifest.photos.push({
        file,
        id: record.id,
        takenAt: record.takenAt,
        sha256: record.sha256,
        size: record.size,
        width: record.width,
        height: record.height,
        schedule: record.schedule ?? null,
      });
      // yazl writes a stored entry at once; waiting for it to drain keeps one photo in memory at a time.
      if (archive.writableNeedDrain) await once(archive, 'drain', { signal });
    }
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), MANIFEST_NAME, { mtime: new Date(manifest.exportedAt) });
    zip.end();
    await piped;
  } catch (err) {
    const reason = signal.aborted ? signal.reason : err;
    archive.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    await piped.catch(() => undefined);
    throw reason;
  }
  return { written: manifest.photos.length, skipped: manifest.skipped, bytes };
}

import { randomBytes } from 'node:crypto';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { Esp32CamError, isEsp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import { ensureDir } from '../atomic-write.js';
import type { PhotoStore } from '../photo-store.js';
import type { PhotoRecord } from '../photo-record.js';
import type { SkippedPhoto } from './export-photos.js';
import { describeRange, type ExportRange } from './export-query.js';
import { assertNotEmpty, exportFileName, selectPhotos, summarize, type ExportSummary } from './export-selection.js';
import { FfmpegFinder, videoSize, type VideoEncoder } from './ffmpeg.js';
import { encodeTimelapse } from './timelapse.js';
import { writeZipExport, type ZipExportResult } from './zip-export.js';

const log = logger('service');

export const EXPORT_DEFAULTS = { ffmpeg: 'ffmpeg', ffmpegStallMs: 60_000 } as const;

/** The folder under dataDir that holds a timelapse while ffmpeg makes it and the client downloads it. */
export const EXPORT_TEMP_FOLDER = 'exports';

export interface PhotoExportsOptions {
  store: Pick<PhotoStore, 'list' | 'readJpeg'>;
  dataDir: string;
  /** The ffmpeg command or path (EXPORT_DEFAULTS.ffmpeg). */
  ffmpeg?: string;
  ffmpegStallMs?: number;
}

/** One range of one camera, listed once when the export starts. */
export interface ExportPlan {
  camera: string;
  range: ExportRange;
  /** Oldest first. */
  photos: PhotoRecord[];
  summary: ExportSummary;
}

export type Mp4Availability =
  { available: true; encoder: string; codec: VideoEncoder['codec'] } | { available: false; code: string; reason: string; hint: string };

export interface ExportPreview extends ExportSummary {
  camera: string;
  range: { from: string | null; to: string | null; schedule: string };
  mp4: Mp4Availability & { busy: boolean };
}

/** A finished timelapse on disk, to be sent and then discarded. */
export interface Timelapse {
  path: string;
  bytes: number;
  frames: number;
  skipped: SkippedPhoto[];
  /** Removes the file; safe to call more than once. */
  discard(): Promise<void>;
}

const scheduleText = (range: ExportRange): string => (range.schedule.kind === 'schedule' ? range.schedule.id : range.schedule.kind);

/**
 * Exports of a camera's photos over a time range: a preview of what a range holds, a streamed ZIP of the
 * JPEGs, and an MP4 timelapse made by ffmpeg. ZIPs are cheap and run side by side; ffmpeg is not, so one
 * timelapse is made at a time and the next asker is told to come back.
 */
export class PhotoExports {
  private readonly ffmpeg: FfmpegFinder;
  private readonly stallMs: number;
  private readonly tempDir: string;
  private making = false;

  constructor(private readonly opts: PhotoExportsOptions) {
    this.ffmpeg = new FfmpegFinder(opts.ffmpeg ?? EXPORT_DEFAULTS.ffmpeg);
    this.stallMs = opts.ffmpegStallMs ?? EXPORT_DEFAULTS.ffmpegStallMs;
    this.tempDir = join(opts.dataDir, EXPORT_TEMP_FOLDER);
  }

  /** Whether a timelapse is being made now. */
  get busy(): boolean {
    return this.making;
  }

  /** The range's photos as of now; empty when it holds none. */
  plan(camera: string, range: ExportRange): ExportPlan {
    const photos = selectPhotos(this.opts.store, camera, range);
    return { camera, range, photos, summary: summarize(photos) };
  }

  /** The plan, or E_NOT_FOUND when the range holds no photos. */
  planExport(camera: string, range: ExportRange): ExportPlan {
    const plan = this.plan(camera, range);
    assertNotEmpty(plan.photos, camera, range);
    return plan;
  }

  fileName(plan: ExportPlan, extension: 'zip' | 'mp4'): string {
    return exportFileName(plan.camera, plan.photos, extension);
  }

  /** What an export of the range would hold, and whether a timelapse can be made now. */
  async preview(camera: string, range: ExportRange): Promise<ExportPreview> {
    const { summary } = this.plan(camera, range);
    return {
      camera,
      range: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null, schedule: scheduleText(range) },
      ...summary,
      mp4: { ...(await this.mp4Availability()), busy: this.making },
    };
  }

  async mp4Availability(): Promise<Mp4Availability> {
    try {
      const { encoder } = await this.ffmpeg.find();
      return { available: true, encoder: encoder.name, codec: encoder.codec };
    } catch (err) {
      if (!isEsp32CamError(err)) throw err;
      return { available: false, code: err.code, reason: err.message, hint: err.hint };
    }
  }

  /** Streams the plan's photos as a ZIP into `out` (see writeZipExport: a failure destroys `out`). */
  async zip(plan: ExportPlan, out: Writable, signal?: AbortSignal): Promise<ZipExportResult> {
    const started = Date.now();
    const what = `export of camera "${plan.camera}" as ZIP`;
    log.info(`${what}: ${plan.photos.length} photos (${plan.summary.bytes} bytes) ${describeRange(plan.range)}`);
    try {
      const result = await writeZipExport({ store: this.opts.store, camera: plan.camera, range: plan.range, photos: plan.photos, out, signal });
      log.info(`${what} done: ${result.written} photos, ${result.skipped.length} skipped, ${result.bytes} bytes in ${Date.now() - started} ms`);
      return result;
    } catch (err) {
      log.warn(`${what} stopped: ${stopReason(err, signal)}`);
      throw err;
    }
  }

  /**
   * Makes the plan's timelapse into a temp file under dataDir/exports. Only one is made at a time: another
   * request meanwhile gets E_EXPORT_BUSY. The file is removed on any failure or abort, and by `discard`.
   */
  async timelapse(plan: ExportPlan, fps: number, signal?: AbortSignal): Promise<Timelapse> {
    if (this.making) {
      throw new Esp32CamError(
        'E_EXPORT_BUSY',
        'Another timelapse is being made',
        'One video is made at a time: try again when it is done, or download the ZIP meanwhile.',
      );
    }
    this.making = true;
    // Named as the store names its temp files, so the store's start-up sweep removes any a crash left.
    const path = join(this.tempDir, `.timelapse.${randomBytes(6).toString('hex')}.tmp`);
    const discard = (): Promise<void> => unlink(path).catch(() => undefined);
    const started = Date.now();
    const what = `timelapse of camera "${plan.camera}"`;
    try {
      const ffmpeg = await this.ffmpeg.find();
      const size = videoSize(plan.summary.sizes);
      log.info(`${what}: ${plan.photos.length} photos at ${fps} fps, ${size.width}x${size.height} ${ffmpeg.encoder.name}, ${describeRange(plan.range)}`);
      await ensureDir(this.tempDir, undefined, 0o700);
      // Made here, empty and private, so the name is ours and the video is as private as the photos.
      await writeFile(path, '', { flag: 'wx', mode: 0o600 });
      const result = await encodeTimelapse({ ffmpeg, store: this.opts.store, photos: plan.photos, fps, size, output: path, stallMs: this.stallMs, signal });
      const { size: bytes } = await stat(path);
      log.info(`${what} done: ${result.frames} frames, ${result.skipped.length} skipped, ${bytes} bytes in ${Date.now() - started} ms`);
      return { path, bytes, ...result, discard };
    } catch (err) {
      await discard();
      log.warn(`${what} stopped: ${stopReason(err, signal)}`);
      throw err;
    } finally {
      this.making = false;
    }
  }
}

function stopReason(err: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return 'the client went away';
  if (err instanceof Esp32CamError) return err.toLine();
  return err instanceof Error ? err.message : String(err);
}

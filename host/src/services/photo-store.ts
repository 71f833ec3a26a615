import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { describeFsError, ensureDir, fileWriteError, fsyncDir } from './atomic-write.js';
import { writePhotoFiles } from './photo-files.js';
import { nodeFs, type FsPort } from './fs-port.js';
import { PhotoIdGenerator, assertPhotoId } from './photo-id.js';
import type { PhotoRecord } from './photo-record.js';
import { recoverStore, removeLeftoverTempFiles, type StoreDirs } from './store-recovery.js';
import { jpegSize } from './jpeg-size.js';
import { ThumbnailJobs } from './thumbnail-jobs.js';
import { logger } from '../log/index.js';

const storeLog = logger('service');

export interface PhotoStoreOptions {
  dataDir: string;
  maxPhotos: number;
  maxBytes: number;
  /** Limits for each camera's photos taken by hand, within the overall ones; none by default. */
  perCamera?: RetentionLimits;
  /**
   * Records written before cameras had names hold a spec (`sim`, `i2c:1@0x2c`) as their camera: this maps
   * such a spec to the name of the camera configured there now, if any.
   */
  nameOfSpec?: (spec: string) => string | undefined;
  /** The file system; tests wrap the real one to make it fail. */
  fs?: FsPort;
  log?: (line: string) => void;
}

export interface RetentionLimits {
  maxPhotos?: number;
  maxBytes?: number;
}

/** Which photos a listing shows: all (`show`), only those taken by hand (`hide`), or only scheduled ones (`only`). */
export type ScheduledFilter = 'show' | 'hide' | 'only';

export interface PhotoListOptions {
  limit?: number;
  before?: string;
  camera?: string;
  scheduled?: ScheduledFilter;
  /** Only the photos this schedule took. */
  schedule?: string;
}

export interface PhotoListPage {
  items: PhotoRecord[];
  total: number;
  /** Pass as `before` to get the next page; null on the last page. */
  next: string | null;
}

export interface StoreStats {
  photos: number;
  /** Bytes of the JPEGs kept (thumbnails and metadata are not counted). */
  bytes: number;
  maxPhotos: number;
  maxBytes: number;
}

export interface SaveMeta {
  /** The camera's name. */
  camera: string;
  /** Where the camera was: `sim@0x2d`, `i2c:1@0x2c`. */
  spec?: string;
  captureMs: number;
  takenAt?: Date;
  /** The schedule that took the photo. */
  schedule?: string;
}

type StoreEvents = { saved: [PhotoRecord]; deleted: [{ id: string; camera: string; schedule?: string }] };

/** One share of the store: a camera's photos, its photos taken by hand, one schedule's, every scheduled one… */
interface Shelf {
  order: string[];
  bytes: number;
}

const DISK_FULL_HINT = 'Free some space or lower retention.maxBytes.';

/** The shelves a record sits on; `all` is the store's own order. */
const shelvesOf = (record: PhotoRecord): string[] =>
  record.schedule === undefined
    ? [`camera:${record.camera}`, `manual:${record.camera}`, 'manual']
    : [`camera:${record.camera}`, `scheduled:${record.camera}`, `schedule:${record.schedule}`, 'scheduled'];

/**
 * Photos on disk: `<dataDir>/photos/<id>.jpg` + `<id>.json`, thumbnails in `<dataDir>/thumbs/<id>.jpg`.
 * The index lives in memory and is rebuilt from disk when the store opens. Saves and deletes run one at a
 * time so retention always sees a consistent index. A photo is announced once its JPEG and metadata are
 * durable; its thumbnail follows, and is made again when a crash or a failed write lost it.
 */
export class PhotoStore extends EventEmitter<StoreEvents> {
  readonly dirs: StoreDirs;
  private readonly fs: FsPort;
  private readonly records = new Map<string, PhotoRecord>();
  /** Oldest first; ids sort by time. */
  private order: string[] = [];
  private bytes = 0;
  private readonly shelves = new Map<string, Shelf>();
  /** Each live schedule's own limits; a schedule's photos count against these and the overall bound only. */
  private readonly scheduleLimits = new Map<string, RetentionLimits>();
  private ids: PhotoIdGenerator;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly thumbnails: ThumbnailJobs;

  private constructor(
    private readonly opts: PhotoStoreOptions,
    dirs: StoreDirs,
  ) {
    super();
    this.fs = opts.fs ?? nodeFs;
    this.dirs = dirs;
    this.ids = new PhotoIdGenerator();
    this.thumbnails = new ThumbnailJobs(this.fs, dirs.thumbs, (id) => this.records.has(id), this.warn);
  }

  private readonly warn = (line: string): void => (this.opts.log ?? ((text: string) => storeLog.warn(text.replace(/^esp32cam: /, ''))))(line);

  static async open(opts: PhotoStoreOptions): Promise<PhotoStore> {
    const dirs = { photos: join(opts.dataDir, 'photos'), thumbs: join(opts.dataDir, 'thumbs') };
    const store = new PhotoStore(opts, dirs);
    const fs = store.fs;
    try {
      // Photos are private: folders the store creates (the data directory too) are the service user's alone.
      await ensureDir(dirs.photos, fs, 0o700);
      await ensureDir(dirs.thumbs, fs, 0o700);
      const log = store.warn;
      const records = await recoverStore(fs, dirs, log);
      const leftovers = await removeLeftoverTempFiles(fs, opts.dataDir, [dirs.photos, dirs.thumbs]);
      if (leftovers > 0) log(`photo store: removed ${leftovers} temp file(s) an interrupted write left in ${opts.dataDir}`);
      for (const record of records) store.index(store.withName(record));
    } catch (err) {
      if (err instanceof Esp32CamError) throw err;
      throw new Esp32CamError(
        'E_STORE_IO',
        `Could not open the photo store in ${opts.dataDir}: ${describeFsError(err)}`,
        'Check that dataDir is a writable folder, or choose another with --data-dir.',
        { cause: err },
      );
    }
    store.ids = new PhotoIdGenerator(store.order.at(-1));
    await store.exclusive(async () => {
      for (const key of [...store.shelves.keys()]) {
        if (key.startsWith('manual:')) await store.applyCameraRetention(key.slice('manual:'.length), undefined);
      }
      await store.applyRetention(undefined);
    });
    return store;
  }

  stats(): StoreStats {
    return { photos: this.order.length, bytes: this.bytes, maxPhotos: this.opts.maxPhotos, maxBytes: this.opts.maxBytes };
  }

  /** How many photos of `camera` are kept, scheduled ones included. */
  count(camera: string): number {
    return this.shelves.get(`camera:${camera}`)?.order.length ?? 0;
  }

  /** How many photos the schedule `id` took are kept, and their bytes (its deleted schedule's too). */
  scheduleStats(id: string): { photos: number; bytes: number } {
    const shelf = this.shelves.get(`schedule:${id}`);
    return { photos: shelf?.order.length ?? 0, bytes: shelf?.bytes ?? 0 };
  }

  /**
   * Sets the limits of schedule `id`'s photos and deletes its oldest beyond them; undefined (a deleted
   * schedule) leaves its photos to the overall bound alone.
   */
  setScheduleRetention(id: string, limits: RetentionLimits | undefined): Promise<void> {
    return this.exclusive(async () => {
      if (limits === undefined) {
        this.scheduleLimits.delete(id);
        return;
      }
      this.scheduleLimits.set(id, { ...limits });
      await this.applyScheduleRetention(id, undefined);
    });
  }

  /** A record from before camera names: its spec becomes `spec`, its camera the name configured there. */
  private withName(record: PhotoRecord): PhotoRecord {
    if (record.spec !== undefined) return record;
    const name = this.opts.nameOfSpec?.(record.camera);
    return name === undefined ? record : { ...record, camera: name, spec: record.camera };
  }

  /**
   * Stores a JPEG and announces it (`saved`) once it and its metadata are durable; then deletes the oldest
   * photos beyond the retention limits (never the new one). Its thumbnail is made after: readThumb waits for it.
   * `kept` is called once the photo is durable and sure to stay, before the promise settles: right away for a
   * photo taken by hand, after retention for a scheduled one (which retention may refuse with E_STORE_FULL).
   */
  save(jpeg: Buffer, meta: SaveMeta, kept?: (record: PhotoRecord) => void): Promise<PhotoRecord> {
    return this.exclusive(async () => {
      const { width, height } = jpegSize(jpeg);
      const takenAt = meta.takenAt ?? new Date();
      const id = this.ids.next(takenAt.getTime());
      const record: PhotoRecord = {
        id,
        takenAt: takenAt.toISOString(),
        size: jpeg.length,
        camera: meta.camera,
        ...(meta.spec !== undefined ? { spec: meta.spec } : {}),
        ...(meta.schedule !== undefined ? { schedule: meta.schedule } : {}),
        captureMs: Math.round(meta.captureMs),
        width,
        height,
        sha256: createHash('sha256').update(jpeg).digest('hex'),
      };
      const jpegPath = join(this.dirs.photos, `${id}.jpg`);
      const metaPath = join(this.dirs.photos, `${id}.json`);
      let closed: Promise<void>;
      try {
        // Metadata renamed last: until it exists the photo is not visible, and start-up discards the rest.
        ({ closed } = await writePhotoFiles({ jpegPath, jpeg, metaPath, meta: Buffer.from(JSON.stringify(record, null, 2)) }, this.fs));
      } catch (err) {
        await this.unlinkQuietly(metaPath);
        await this.unlinkQuietly(jpegPath);
        throw fileWriteError(err, 'the photo', DISK_FULL_HINT);
      }
      // Durable (written, fsynced, renamed, folder fsynced): announced now, before the files are even closed.
      this.index(record);
      // Queued before the announcement, so a reader it prompts waits for this thumbnail instead of making another.
      void this.thumbnails.make(id, jpeg);
      this.emit('saved', record);
      if (record.schedule === undefined) kept?.(record);
      await closed;
      if (record.schedule === undefined) {
        await this.applyCameraRetention(record.camera, id);
        await this.applyRetention(id);
      } else {
        await this.applyScheduleRetention(record.schedule, id);
        await this.applyRetention(id);
        kept?.(record);
      }
      return record;
    });
  }

  get(id: string): PhotoRecord {
    const record = this.records.get(assertPhotoId(id));
    if (!record) throw notFound(id);
    return record;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Newest first; only `camera`'s photos when it is given, and only those `scheduled` and `schedule` pick. */
  list(opts: PhotoListOptions = {}): PhotoListPage {
    const limit = opts.limit ?? 20;
    const before = opts.before === undefined ? undefined : assertPhotoId(opts.before);
    const order = this.listOrder(opts);
    let end = order.length;
    if (before !== undefined) {
      while (end > 0 && order[end - 1] >= before) end--;
    }
    const start = Math.max(0, end - limit);
    const items = order
      .slice(start, end)
      .reverse()
      .map((id) => this.records.get(id)!);
    return { items, total: order.length, next: start > 0 && items.length > 0 ? items[items.length - 1].id : null };
  }

  async readJpeg(id: string): Promise<Buffer> {
    this.get(id);
    return this.readOrNotFound(join(this.dirs.photos, `${id}.jpg`), id);
  }

  /**
   * The photo's thumbnail, once it is made. One that is missing (a crash or a failed write came between the
   * photo and its thumbnail) is made again now; a photo that cannot be decoded is its own thumbnail.
   */
  async readThumb(id: string): Promise<Buffer> {
    this.get(id);
    await this.thumbnails.settled(id);
    try {
      return await this.readOrNotFound(this.thumbnails.pathOf(id), id);
    } catch (err) {
      if (!(err instanceof Esp32CamError && err.code === 'E_NOT_FOUND')) throw err;
    }
    const jpeg = await this.readJpeg(id);
    return (await this.thumbnails.make(id, jpeg)) ?? jpeg;
  }

  /** Resolves once every thumbnail under way is written: before the data folder is closed or removed. */
  thumbnailsDone(): Promise<void> {
    return this.thumbnails.idle();
  }

  async delete(id: string): Promise<void> {
    assertPhotoId(id);
    return this.exclusive(async () => {
      if (!this.records.has(id)) throw notFound(id);
      await this.remove(id);
    });
  }

  private listOrder(opts: PhotoListOptions): string[] {
    const scheduled = opts.scheduled ?? 'show';
    const shelf = (key: string): string[] => this.shelves.get(key)?.order ?? [];
    if (opts.schedule !== undefined) {
      if (scheduled === 'hide') return [];
      const taken = shelf(`schedule:${opts.schedule}`);
      return opts.camera === undefined ? taken : taken.filter((id) => this.records.get(id)!.camera === opts.camera);
    }
    if (opts.camera === undefined) return scheduled === 'show' ? this.order : shelf(scheduled === 'hide' ? 'manual' : 'scheduled');
    return shelf(`${scheduled === 'show' ? 'camera' : scheduled === 'hide' ? 'manual' : 'scheduled'}:${opts.camera}`);
  }

  /** The camera's own limits, if any, over its photos taken by hand: its oldest go first, never another camera's. */
  private async applyCameraRetention(camera: string, keep: string | undefined): Promise<void> {
    const limits = this.opts.perCamera;
    if (limits) await this.trimShelf(`manual:${camera}`, limits, keep);
  }

  /** A schedule's own limits, over its own photos only: a timelapse never pushes out anything else. */
  private async applyScheduleRetention(id: string, keep: string | undefined): Promise<void> {
    const limits = this.scheduleLimits.get(id);
    if (limits) await this.trimShelf(`schedule:${id}`, limits, keep);
  }

  private async trimShelf(key: string, limits: RetentionLimits, keep: string | undefined): Promise<void> {
    const maxPhotos = limits.maxPhotos ?? Infinity;
    const maxBytes = limits.maxBytes ?? Infinity;
    for (let shelf = this.shelves.get(key); shelf && (shelf.order.length > maxPhotos || shelf.bytes > maxBytes); shelf = this.shelves.get(key)) {
      const oldest = shelf.order[0];
      if (oldest === keep) break;
      await this.remove(oldest);
    }
  }

  /**
   * The overall bound keeps the disk safe. Scheduled photos go first, oldest first; photos taken by hand go
   * only to make room for one taken by hand. A scheduled photo that finds nothing but those is not kept.
   */
  private async applyRetention(keep: string | undefined): Promise<void> {
    while (this.order.length > 0 && (this.order.length > this.opts.maxPhotos || this.bytes > this.opts.maxBytes)) {
      const scheduled = this.shelves.get('scheduled')?.order.find((id) => id !== keep);
      if (scheduled !== undefined) {
        await this.remove(scheduled);
        continue;
      }
      if (keep !== undefined && this.records.get(keep)?.schedule !== undefined) {
        await this.remove(keep);
        throw new Esp32CamError(
          'E_STORE_FULL',
          `No room for a scheduled photo: photos taken by hand fill the store's limit (retention.maxPhotos ${this.opts.maxPhotos}, maxBytes ${this.opts.maxBytes})`,
          'A schedule never pushes out photos taken by hand: raise retention.maxPhotos or retention.maxBytes, or delete some photos.',
        );
      }
      const oldest = this.order[0];
      if (oldest === keep) break;
      await this.remove(oldest);
    }
  }

  private async remove(id: string): Promise<void> {
    try {
      // Metadata first: once it is gone the photo is gone, whatever happens to the other two files.
      await this.unlink(join(this.dirs.photos, `${id}.json`));
      await this.unlink(join(this.dirs.photos, `${id}.jpg`));
      await this.thumbnails.settled(id);
      await this.unlink(this.thumbnails.pathOf(id));
      await fsyncDir(this.dirs.photos, this.fs);
    } catch (err) {
      throw new Esp32CamError('E_STORE_IO', `Could not delete photo ${id}: ${systemErrorCode(err) ?? String(err)}`, 'Check that the data folder is writable.', {
        cause: err,
      });
    }
    const record = this.records.get(id)!;
    this.records.delete(id);
    this.order.splice(this.order.indexOf(id), 1);
    this.bytes -= record.size;
    for (const key of shelvesOf(record)) {
      const shelf = this.shelves.get(key);
      if (!shelf) continue;
      shelf.order.splice(shelf.order.indexOf(id), 1);
      shelf.bytes -= record.size;
      if (shelf.order.length === 0) this.shelves.delete(key);
    }
    this.emit('deleted', { id, camera: record.camera, ...(record.schedule !== undefined ? { schedule: record.schedule } : {}) });
  }

  /** Records arrive oldest first (recovery sorts them; new ids only grow), so pushing keeps every order sorted. */
  private index(record: PhotoRecord): void {
    this.records.set(record.id, record);
    this.order.push(record.id);
    this.bytes += record.size;
    for (const key of shelvesOf(record)) {
      let shelf = this.shelves.get(key);
      if (!shelf) {
        shelf = { order: [], bytes: 0 };
        this.shelves.set(key, shelf);
      }
      shelf.order.push(record.id);
      shelf.bytes += record.size;
    }
  }

  private async unlink(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw err;
    }
  }

  private async unlinkQuietly(path: string): Promise<void> {
    await this.fs.unlink(path).catch(() => undefined);
  }

  private async readOrNotFound(path: string, id: string): Promise<Buffer> {
    try {
      return await this.fs.readFile(path);
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') throw notFound(id);
      throw new Esp32CamError(
        'E_STORE_IO',
        `Could not read photo ${id}: ${systemErrorCode(err) ?? String(err)}`,
        'Check the data folder and its permissions.',
        { cause: err },
      );
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function notFound(id: string): Esp32CamError {
  return new Esp32CamError('E_NOT_FOUND', `There is no photo ${id}`, 'It may have been deleted or removed by retention; list photos with GET /api/photos.');
}

import { join } from 'node:path';
import { systemErrorCode } from '../errors.js';
import { fsyncDir, isTempFile } from './atomic-write.js';
import type { FsPort } from './fs-port.js';
import { isPhotoId } from './photo-id.js';
import { photoRecordSchema, type PhotoRecord } from './photo-record.js';
import { makeThumbnail } from './thumbnail.js';
import { writeFileAtomic } from './atomic-write.js';

export interface StoreDirs {
  photos: string;
  thumbs: string;
}

/**
 * Rebuilds the index from disk and finishes what a crash interrupted. A photo is visible only once its
 * metadata exists (it is written last), so: temp files go, JPEGs and thumbnails without metadata go,
 * metadata whose JPEG is missing or the wrong size goes, and a missing thumbnail is made again.
 * Files whose names are not ours are left alone.
 */
export async function recoverStore(fs: FsPort, dirs: StoreDirs, log: (line: string) => void): Promise<PhotoRecord[]> {
  const photoFiles = new Set(await fs.readdir(dirs.photos));
  const thumbFiles = new Set(await fs.readdir(dirs.thumbs));
  const records: PhotoRecord[] = [];
  let removed = 0;
  const remove = async (path: string): Promise<void> => {
    try {
      await fs.unlink(path);
      removed++;
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw err;
    }
  };

  for (const name of [...photoFiles]) {
    if (isTempFile(name)) await remove(join(dirs.photos, name));
  }
  for (const name of [...thumbFiles]) {
    if (isTempFile(name)) await remove(join(dirs.thumbs, name));
  }

  for (const name of photoFiles) {
    const id = name.slice(0, -'.json'.length);
    if (!name.endsWith('.json') || !isPhotoId(id)) continue;
    const record = await readRecord(fs, join(dirs.photos, name), id);
    if (record === 'unreadable') {
      log(`photo store: ${name} is not valid photo metadata; leaving it and its photo out of the list`);
      photoFiles.delete(`${id}.jpg`);
      continue;
    }
    const jpegSize = await fs.stat(join(dirs.photos, `${id}.jpg`)).then(
      (s) => s.size,
      () => -1,
    );
    if (!record || jpegSize !== record.size) {
      await remove(join(dirs.photos, name));
      continue;
    }
    records.push(record);
  }

  const known = new Set(records.map((r) => r.id));
  for (const name of photoFiles) {
    const id = name.slice(0, -'.jpg'.length);
    if (name.endsWith('.jpg') && isPhotoId(id) && !known.has(id)) await remove(join(dirs.photos, name));
  }
  for (const name of thumbFiles) {
    const id = name.slice(0, -'.jpg'.length);
    if (name.endsWith('.jpg') && isPhotoId(id) && !known.has(id)) await remove(join(dirs.thumbs, name));
  }
  for (const record of records) {
    if (thumbFiles.has(`${record.id}.jpg`)) continue;
    try {
      const jpeg = await fs.readFile(join(dirs.photos, `${record.id}.jpg`));
      await writeFileAtomic(join(dirs.thumbs, `${record.id}.jpg`), await makeThumbnail(jpeg), fs);
    } catch (err) {
      log(`photo store: could not remake the thumbnail of ${record.id}: ${(err as Error).message}`);
    }
  }

  if (removed > 0) {
    await fsyncDir(dirs.photos, fs);
    await fsyncDir(dirs.thumbs, fs);
    log(`photo store: removed ${removed} leftover file(s) from an interrupted save or delete`);
  }
  return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The name writeFileAtomic gives its temp file: `.NAME.<12 hex>.tmp`. */
const ATOMIC_TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files a crash left elsewhere in the data folder: in the folder itself (the runtime file
 * and the access token, written at start-up) and in its subfolders (such as health/, rewritten as events
 * come). A process killed mid-write leaves one more `.NAME.….tmp` at every crash, and nothing else would
 * ever remove it. Safe because it runs when the store opens, before this start-up writes anything else
 * there. Returns how many went.
 */
export async function removeLeftoverTempFiles(fs: FsPort, dataDir: string, skip: string[]): Promise<number> {
  let removed = 0;
  const sweep = async (dir: string, descend: boolean): Promise<void> => {
    let found = 0;
    // A subfolder that cannot be read is not the store's business, and must not stop the start-up.
    const names = descend ? await fs.readdir(dir) : await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      if (ATOMIC_TEMP.test(name)) {
        try {
          await fs.unlink(path);
          found++;
        } catch (err) {
          if (systemErrorCode(err) !== 'ENOENT') throw err;
        }
      } else if (descend && !skip.includes(path) && (await isFolder(fs, path))) {
        await sweep(path, false);
      }
    }
    if (found > 0) await fsyncDir(dir, fs);
    removed += found;
  };
  await sweep(dataDir, true);
  return removed;
}

const isFolder = (fs: FsPort, path: string): Promise<boolean> =>
  fs.stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** The record, `undefined` when the id inside disagrees with the file name, or 'unreadable'. */
async function readRecord(fs: FsPort, path: string, id: string): Promise<PhotoRecord | undefined | 'unreadable'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await fs.readFile(path)).toString('utf8'));
  } catch {
    return 'unreadable';
  }
  const result = photoRecordSchema.safeParse(parsed);
  if (!result.success) return 'unreadable';
  return result.data.id === id ? result.data : undefined;
}

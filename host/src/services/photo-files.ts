import { dirname } from 'node:path';
import { syncOpenFolder, tempPathFor, writeWholeAndSync } from './atomic-write.js';
import type { FsPort, WritableFile } from './fs-port.js';

/** A new photo's two files, in the same folder. */
export interface PhotoFiles {
  jpegPath: string;
  jpeg: Uint8Array;
  metaPath: string;
  meta: Uint8Array;
}

/**
 * Makes a new photo durable in as few trips to the disk as crash safety allows, because each trip waits for
 * the thread pool and the event loop, and on a busy machine that wait, not the disk, is most of a save.
 * When it resolves the photo is durable: the caller may announce it. `closed` settles once the open handles
 * are closed, which durability does not need; await it before the next save.
 *
 * The order, and why it is safe:
 * 1. Side by side: the JPEG is written under its own name and fsynced; the metadata is written to a temp file
 *    and fsynced; the folder is opened. The JPEG needs no temp file: until its metadata exists start-up
 *    discards it (store-recovery), and its id is new, so `wx` never meets an old file.
 * 2. Only once both are durable is the metadata renamed into place: that rename makes the photo exist, and
 *    never before the JPEG it describes is whole on disk.
 * 3. The folder is fsynced, so the JPEG's new name and the rename survive a crash. Only then does it resolve.
 * The files are closed after that, off the path: a close after fsync cannot lose what fsync made durable.
 *
 * On failure whatever was made is removed (the caller unlinks the final names too) and the first error is
 * rethrown as it came.
 */
export async function writePhotoFiles(files: PhotoFiles, fs: FsPort, mode = 0o644): Promise<{ closed: Promise<void> }> {
  const dir = dirname(files.metaPath);
  const temp = tempPathFor(files.metaPath);
  const handles: Promise<WritableFile | undefined>[] = [];
  const opened = (path: string, flags: string, fileMode?: number): Promise<WritableFile> => {
    const handle = fs.open(path, flags, fileMode);
    handles.push(handle.catch(() => undefined));
    return handle;
  };
  const closeAll = async (): Promise<void> => {
    const all = await Promise.all(handles);
    await Promise.all(all.map((h) => h?.close().catch(() => undefined)));
  };
  // A folder some file systems will not open or fsync is not an error: the same rule as fsyncDir's.
  const folder = opened(dir, 'r').catch(() => undefined);
  let renamed = false;
  try {
    const written = await Promise.allSettled([
      writeAndSync(opened(files.jpegPath, 'wx', mode), files.jpeg, files.jpegPath),
      writeAndSync(opened(temp, 'wx', mode), files.meta, temp),
    ]);
    const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    await fs.rename(temp, files.metaPath);
    renamed = true;
    await syncFolder(await folder);
  } catch (err) {
    await closeAll();
    if (!renamed) await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  return { closed: closeAll() };
}

async function writeAndSync(opening: Promise<WritableFile>, data: Uint8Array, path: string): Promise<void> {
  await writeWholeAndSync(await opening, data, path);
}

async function syncFolder(folder: WritableFile | undefined): Promise<void> {
  if (folder) await syncOpenFolder(folder);
}

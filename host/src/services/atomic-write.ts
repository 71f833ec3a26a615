import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { nodeFs, type FsPort, type WritableFile } from './fs-port.js';

/** Temp files end in this; start-up cleanup removes any a crash left behind. */
export const TEMP_SUFFIX = '.tmp';

export const isTempFile = (name: string): boolean => name.startsWith('.') && name.endsWith(TEMP_SUFFIX);

/**
 * Writes `data` to `path` so that a crash or a full disk leaves either the old file or the whole new one:
 * temp file in the same folder → write → fsync → rename → fsync the folder. On failure the temp file is
 * removed and the error is rethrown as it came.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, fs: FsPort = nodeFs, mode = 0o644): Promise<void> {
  await writeFilesAtomic([{ path, data }], fs, mode);
}

/**
 * Writes several files as writeFileAtomic does, for the price of about one: their temp files are written and
 * fsynced side by side, renamed in the order given, and each folder is fsynced once at the end. Once it
 * resolves every file is whole and durable; a crash before that leaves any mix of old and whole new files,
 * never a partial one, so whoever reads them must trust the last one only when the others are there. On
 * failure the temp files are removed (files already renamed stay, for the caller to judge) and the first
 * error is rethrown as it came.
 */
export async function writeFilesAtomic(files: readonly { path: string; data: Uint8Array }[], fs: FsPort = nodeFs, mode = 0o644): Promise<void> {
  const written = await Promise.allSettled(files.map(({ path, data }) => writeTemp(path, data, fs, mode)));
  const temps = written.flatMap((w) => (w.status === 'fulfilled' ? [w.value] : []));
  const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  let renamed = 0;
  try {
    if (failed) throw failed.reason;
    for (; renamed < files.length; renamed++) await fs.rename(temps[renamed], files[renamed].path);
  } catch (err) {
    await Promise.all(temps.slice(renamed).map((temp) => fs.unlink(temp).catch(() => undefined)));
    throw err;
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await fsyncDir(dir, fs);
}

/** `data` in a new temp file beside `path`, fsynced and closed; its name. On failure nothing is left. */
async function writeTemp(path: string, data: Uint8Array, fs: FsPort, mode: number): Promise<string> {
  const temp = tempPathFor(path);
  let file: Awaited<ReturnType<FsPort['open']>> | undefined;
  try {
    file = await fs.open(temp, 'wx', mode);
    await writeWholeAndSync(file, data, temp);
    const closing = file;
    file = undefined;
    await closing.close();
    return temp;
  } catch (err) {
    if (file) await file.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** A new temp file's name beside `path`: hidden, random, and ending in TEMP_SUFFIX so start-up removes it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/** Writes all of `data` from the start of `file` (a short write goes on), then fsyncs it. */
export async function writeWholeAndSync(file: WritableFile, data: Uint8Array, path: string): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset, offset);
    if (bytesWritten <= 0) throw Object.assign(new Error(`write to ${path} made no progress`), { code: 'EIO' });
    offset += bytesWritten;
  }
  await file.sync();
}

/** fsyncs an open folder. Some file systems refuse to fsync a folder; that is not an error. */
export async function syncOpenFolder(folder: WritableFile): Promise<void> {
  try {
    await folder.sync();
  } catch (err) {
    const code = systemErrorCode(err);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  }
}

/** Makes a rename or unlink in `dir` durable. Some file systems refuse to fsync a folder; that is not an error. */
export async function fsyncDir(dir: string, fs: FsPort = nodeFs): Promise<void> {
  let handle: Awaited<ReturnType<FsPort['open']>>;
  try {
    handle = await fs.open(dir, 'r');
  } catch {
    return;
  }
  try {
    await syncOpenFolder(handle);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Turns a file-system failure into the user-facing error: a full disk is E_DISK_FULL, anything else E_STORE_IO. */
export function fileWriteError(err: unknown, what: string, diskFullHint: string): Esp32CamError {
  if (err instanceof Esp32CamError) return err;
  const code = systemErrorCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new Esp32CamError('E_DISK_FULL', `The disk is full: could not save ${what}`, diskFullHint, { cause: err });
  }
  return new Esp32CamError('E_STORE_IO', `Could not save ${what}: ${describeFsError(err)}`, 'Check that the folder exists and is writable.', { cause: err });
}

/** A few words on why a file operation failed, for a one-line message. */
export function describeFsError(err: unknown): string {
  const code = systemErrorCode(err);
  return code === 'EACCES' || code === 'EPERM'
    ? 'permission denied'
    : code === 'EROFS'
      ? 'the file system is read-only'
      : code === 'ENOENT'
        ? 'the folder does not exist'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'part of the path is a file, not a folder'
          : code === 'ENOSPC' || code === 'EDQUOT'
            ? 'the disk is full'
            : (code ?? (err instanceof Error ? err.message : String(err)));
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever where a parent exists but
 * refuses children (for example under /proc), and a bad dataDir must fail, not hang.
 */
export async function ensureDir(dir: string, fs: FsPort = nodeFs, mode?: number): Promise<void> {
  try {
    await fs.mkdir(dir, mode);
    return;
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'EEXIST') {
      if ((await fs.stat(dir)).isDirectory()) return;
      throw err;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
  }
  await ensureDir(dirname(dir), fs, mode);
  await fs.mkdir(dir, mode);
}

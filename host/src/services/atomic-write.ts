import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { nodeFs, type FsPort } from './fs-port.js';

/** Temp files end in this; start-up cleanup removes any a crash left behind. */
export const TEMP_SUFFIX = '.tmp';

export const isTempFile = (name: string): boolean => name.startsWith('.') && name.endsWith(TEMP_SUFFIX);

/**
 * Writes `data` to `path` so that a crash or a full disk leaves either the old file or the whole new one:
 * temp file in the same folder → write → fsync → rename → fsync the folder. On failure the temp file is
 * removed and the error is rethrown as it came.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, fs: FsPort = nodeFs, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  let file: Awaited<ReturnType<FsPort['open']>> | undefined;
  let renamed = false;
  try {
    file = await fs.open(temp, 'wx', mode);
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await file.write(data, offset, data.length - offset, offset);
      if (bytesWritten <= 0) throw Object.assign(new Error(`write to ${temp} made no progress`), { code: 'EIO' });
      offset += bytesWritten;
    }
    await file.sync();
    const closing = file;
    file = undefined;
    await closing.close();
    await fs.rename(temp, path);
    renamed = true;
    await fsyncDir(dir, fs);
  } catch (err) {
    if (file) await file.close().catch(() => undefined);
    if (!renamed) await fs.unlink(temp).catch(() => undefined);
    throw err;
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
    await handle.sync();
  } catch (err) {
    const code = systemErrorCode(err);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
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

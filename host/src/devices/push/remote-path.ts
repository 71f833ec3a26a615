import { badRemotePath } from './push-errors.js';

/** Long enough for any sensible layout, short enough for FAT/LittleFS name limits with the temp suffix. */
export const MAX_REMOTE_PATH = 120;
export const TEMP_SUFFIX = '.tmp';

/**
 * The absolute device path for `path` (relative paths are taken from `/`). The result is pasted into
 * Python string literals on the board, so anything that could end or escape a literal is refused here,
 * not escaped: quotes, backslashes, control and non-ASCII characters.
 */
export function normaliseRemotePath(path: string): string {
  if (path.length === 0) throw badRemotePath(path, 'it is empty');
  if (/[^\x20-\x7e]/.test(path)) throw badRemotePath(path, 'only printable ASCII characters are allowed');
  if (/['"\\`]/.test(path)) throw badRemotePath(path, 'quotes and backslashes are not allowed');
  const parts = path.split('/').filter((p, i) => !(i === 0 && p === ''));
  for (const part of parts) {
    if (part === '' || part.trim() !== part) throw badRemotePath(path, 'a path part is empty or starts/ends with a space');
    if (part === '.' || part === '..') throw badRemotePath(path, '"." and ".." are not allowed');
  }
  const absolute = `/${parts.join('/')}`;
  if (parts.length === 0) throw badRemotePath(path, 'it names the root folder, not a file');
  if (absolute.length + TEMP_SUFFIX.length > MAX_REMOTE_PATH) throw badRemotePath(path, `it is longer than ${MAX_REMOTE_PATH - TEMP_SUFFIX.length} characters`);
  return absolute;
}

/** The folders that must exist for `absolutePath`, outermost first (`/lib/a/b.py` → `/lib`, `/lib/a`). */
export function parentFolders(absolutePath: string): string[] {
  const parts = absolutePath.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

export const tempPathFor = (absolutePath: string): string => `${absolutePath}${TEMP_SUFFIX}`;

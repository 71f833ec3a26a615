import { normaliseRemotePath } from '../push/index.js';

/**
 * A device path as the device-file functions take it: absolute, validated like a push target (it is pasted
 * into Python literals on the board), and, for folders, `/` itself allowed.
 */
export function deviceFolderPath(dir: string | undefined): string {
  const trimmed = (dir ?? '/').replace(/\/+$/, '');
  return trimmed === '' ? '/' : normaliseRemotePath(trimmed);
}

export const deviceFilePath = (path: string): string => normaliseRemotePath(path);

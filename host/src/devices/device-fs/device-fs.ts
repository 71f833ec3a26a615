/**
 * The board's filesystem through a RawReplClient: list, read (binary-safe), remove, make folders, free
 * space. Each function runs a few small execs; none of them changes a file it was not asked to change.
 */
import { createHash } from 'node:crypto';
import type { ExecResult, RawReplClient } from '../repl/index.js';
import { deviceFsError } from '../push/push-errors.js';
import { sha256Code } from '../push/board-code.js';
import { listDirCode, makeDirsCode, READ_EXEC_BYTES, readChunkCode, removeCode, statCode, statvfsCode } from './board-code.js';
import { deviceReadMismatch, isADeviceFolder, noSuchDeviceFile, notADeviceFolder, unexpectedReply } from './device-fs-errors.js';
import { deviceFilePath, deviceFolderPath } from './device-path.js';

export interface DeviceFileEntry {
  /** The name in its folder. */
  name: string;
  /** The absolute path on the board. */
  path: string;
  type: 'file' | 'dir';
  /** Bytes (0 for folders). */
  size: number;
}

export interface DeviceFsInfo {
  blockSize: number;
  totalBytes: number;
  freeBytes: number;
}

export interface ReadProgress {
  path: string;
  received: number;
  total: number;
}

export interface ReadDeviceFileOptions {
  onProgress?: (progress: ReadProgress) => void;
}

/** Bytes per second the timeouts assume (half of 115200 baud's line rate, for base64 and a busy board). */
const MIN_BYTES_PER_SECOND = 5000;

/** Runs one exec whose exception is a failure of `step` on `path`. */
async function run(client: RawReplClient, code: string, step: string, path: string, expectBytes = 0): Promise<string> {
  const r: ExecResult = await client.exec(code, { timeoutMs: 10_000 + Math.ceil((expectBytes / MIN_BYTES_PER_SECOND) * 1000) });
  if (r.error) throw deviceFsError(path, step, r.error);
  return r.stdout;
}

const lines = (stdout: string): string[] =>
  stdout
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);

/**
 * The entries of folder `dir` on the board (default `/`), sorted by name, with sizes and types.
 * E_NOT_FOUND when it does not exist, E_BAD_INPUT when it is a file or the name is not allowed.
 */
export async function listDeviceFiles(client: RawReplClient, dir = '/'): Promise<DeviceFileEntry[]> {
  const folder = deviceFolderPath(dir);
  const out = lines(await run(client, listDirCode(folder), 'list', folder));
  if (out[0] === '!missing') throw noSuchDeviceFile(folder);
  if (out[0] === '!notdir') throw notADeviceFolder(folder);
  return out.map((line) => {
    const m = /^([df]) (\d+) (.+)$/.exec(line);
    if (!m) throw unexpectedReply(`listing ${folder}`, line);
    const name = m[3];
    return { name, path: folder === '/' ? `/${name}` : `${folder}/${name}`, type: m[1] === 'd' ? 'dir' : 'file', size: m[1] === 'd' ? 0 : Number(m[2]) };
  });
}

/** What `path` is on the board: a file with its size, a folder, or nothing. */
export async function statDeviceFile(client: RawReplClient, path: string): Promise<{ type: 'file' | 'dir'; size: number } | undefined> {
  const file = deviceFilePath(path);
  const out = lines(await run(client, statCode(file), 'read', file))[0] ?? '';
  if (out === '!missing') return undefined;
  const m = /^([df]) (\d+)$/.exec(out);
  if (!m) throw unexpectedReply(`a stat of ${file}`, out);
  return { type: m[1] === 'd' ? 'dir' : 'file', size: Number(m[2]) };
}

/**
 * The bytes of file `path` on the board, read in base64 chunks (any content, binary included) and checked
 * against the board's own SHA-256 where it has hashlib. E_NOT_FOUND when missing, E_BAD_INPUT for a folder.
 */
export async function readDeviceFile(client: RawReplClient, path: string, opts: ReadDeviceFileOptions = {}): Promise<Uint8Array> {
  const file = deviceFilePath(path);
  const info = await statDeviceFile(client, file);
  if (!info) throw noSuchDeviceFile(file);
  if (info.type === 'dir') throw isADeviceFolder(file);
  const parts: Buffer[] = [];
  let received = 0;
  opts.onProgress?.({ path: file, received, total: info.size });
  for (;;) {
    const out = lines(await run(client, readChunkCode(file, received), 'read', file, READ_EXEC_BYTES * 2));
    const chunk = Buffer.concat(out.map((l) => Buffer.from(l, 'base64')));
    parts.push(chunk);
    received += chunk.length;
    opts.onProgress?.({ path: file, received, total: Math.max(info.size, received) });
    if (chunk.length < READ_EXEC_BYTES) break;
  }
  const data = Buffer.concat(parts);
  const boardHash = lines(await run(client, sha256Code(file), 'read', file))[0];
  if (boardHash === 'missing') throw noSuchDeviceFile(file);
  if (boardHash !== 'nohash' && boardHash !== createHash('sha256').update(data).digest('hex')) throw deviceReadMismatch(file);
  return data;
}

/** Removes a file, or an empty folder. E_NOT_FOUND when it does not exist. */
export async function removeDeviceFile(client: RawReplClient, path: string): Promise<{ path: string; type: 'file' | 'dir' }> {
  const file = deviceFilePath(path);
  const out = lines(await run(client, removeCode(file), 'remove', file))[0];
  if (out === '!missing') throw noSuchDeviceFile(file);
  if (out !== 'file' && out !== 'dir') throw unexpectedReply(`removing ${file}`, out ?? '');
  return { path: file, type: out };
}

/** Creates folder `dir` and any missing parents; fine when it exists. E_BAD_INPUT when a file is in the way. */
export async function makeDeviceDir(client: RawReplClient, dir: string): Promise<string> {
  const folder = deviceFolderPath(dir);
  if (folder === '/') return folder;
  const parts = folder.split('/').slice(1);
  const folders = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
  const out = lines(await run(client, makeDirsCode(folders), 'create', folder))[0];
  if (out === '!notdir') throw notADeviceFolder(folder);
  return folder;
}

/** Size and free space of the board's filesystem (os.statvfs('/')). */
export async function deviceFsInfo(client: RawReplClient): Promise<DeviceFsInfo> {
  const out = lines(await run(client, statvfsCode(), 'measure', '/'))[0] ?? '';
  const m = /^(\d+) (\d+) (\d+)$/.exec(out);
  if (!m) throw unexpectedReply('os.statvfs', out);
  const blockSize = Number(m[1]);
  return { blockSize, totalBytes: blockSize * Number(m[2]), freeBytes: blockSize * Number(m[3]) };
}

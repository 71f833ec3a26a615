import { promises as fsp } from 'node:fs';

/** The part of an open file the store writes through. */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls the photo store makes. The real `fs.promises` by default; tests wrap it to make the
 * disk fail for real (an ENOSPC from a write) without mocking the store itself.
 */
export interface FsPort {
  open(path: string, flags: string, mode?: number): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** Creates one folder (not its parents). */
  mkdir(path: string, mode?: number): Promise<unknown>;
  stat(path: string): Promise<{ size: number; isDirectory(): boolean }>;
}

export const nodeFs: FsPort = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  readdir: (path) => fsp.readdir(path),
  readFile: (path) => fsp.readFile(path),
  mkdir: (path, mode) => fsp.mkdir(path, mode === undefined ? undefined : { mode }),
  stat: (path) => fsp.stat(path),
};

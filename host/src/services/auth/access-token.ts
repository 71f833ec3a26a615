import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { loadOrCreateToken, TOKEN_FILE, TOKEN_SHAPE, tokenPath } from './token-file.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so neither the length nor the first differing
 * byte of the real token shows in the time an answer takes.
 */
export function sameToken(candidate: string, token: string): boolean {
  return timingSafeEqual(digest(candidate), digest(token));
}

interface FileStamp {
  ino: number;
  mtimeMs: number;
  size: number;
}

export interface AccessTokenEvents {
  /** The token changed (`esp32cam token --rotate`): whoever holds the old one is out. */
  rotated: [];
}

/**
 * The service's access token: the one in the config, or the one kept in `dataDir/auth-token`. A rotation by
 * another process (the CLI) is seen at the next check, and at once by the folder watch, so open sockets can be
 * dropped as soon as it happens.
 */
export class AccessToken extends EventEmitter<AccessTokenEvents> {
  private token: string;
  private stamp: FileStamp | undefined;
  private watcher: FSWatcher | undefined;

  private constructor(
    token: string,
    private readonly file: string | undefined,
  ) {
    super();
    this.token = token;
    if (file) this.stamp = stampOf(file);
  }

  /** With `configured`, that token and no file; otherwise the data directory's token, made on first start. */
  static async open(opts: { dataDir: string; configured?: string }): Promise<{ access: AccessToken; created: boolean }> {
    if (opts.configured !== undefined) return { access: new AccessToken(opts.configured, undefined), created: false };
    const { token, created } = await loadOrCreateToken(opts.dataDir);
    const access = new AccessToken(token, tokenPath(opts.dataDir));
    access.watchFolder(opts.dataDir);
    return { access, created };
  }

  /** The token now in force. */
  current(): string {
    this.refresh();
    return this.token;
  }

  matches(candidate: string): boolean {
    return sameToken(candidate, this.current());
  }

  /** Re-reads the file when it was replaced. A file that vanished or went bad keeps the last good token. */
  refresh(): void {
    if (!this.file) return;
    const stamp = stampOf(this.file);
    if (!stamp || (this.stamp && stamp.ino === this.stamp.ino && stamp.mtimeMs === this.stamp.mtimeMs && stamp.size === this.stamp.size)) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8').trim();
    } catch {
      return;
    }
    this.stamp = stamp;
    if (!TOKEN_SHAPE.test(text) || text === this.token) return;
    this.token = text;
    this.emit('rotated');
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watchFolder(dataDir: string): void {
    try {
      // The rotation renames a new file over the old one, which a watch on the file itself would miss.
      this.watcher = watch(dataDir, { persistent: false }, (_event, name) => {
        if (name === null || name === TOKEN_FILE) this.refresh();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // No watch (an exotic file system): every request still checks the file.
    }
  }
}

function stampOf(file: string): FileStamp | undefined {
  try {
    const s = statSync(file);
    return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
  } catch {
    return undefined;
  }
}

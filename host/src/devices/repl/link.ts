import type { Duplex } from 'node:stream';
import { logger } from '../../log/index.js';
import { linkLost } from './repl-errors.js';

const log = logger('repl');

/** Bytes as a readable line: printable ASCII as is, the rest (Ctrl-A, Ctrl-D, raw-paste windows) escaped. */
function shown(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes.subarray(0, 512)) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return bytes.length > 512 ? `${text}… (+${bytes.length - 512} B)` : text;
}

/**
 * The byte link a REPL session runs over. The caller opens the port (with DTR/RTS held low); the client
 * only writes bytes and listens. `close` (or `error`) means the link is gone, e.g. the board was unplugged.
 */
export interface ReplLink {
  write(bytes: Uint8Array): Promise<void>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'data' | 'close' | 'error', listener: (...args: never[]) => void): unknown;
}

/** A ReplLink over a Node Duplex: a serialport stream, a socket, a pty's stream. */
export function duplexLink(stream: Duplex): ReplLink {
  // The REPL's traffic both ways at trace level, for a log of a misbehaving board.
  if (log.enabled('trace')) stream.on('data', (chunk: Uint8Array) => log.trace(() => `< ${shown(chunk)}`));
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        log.trace(() => `> ${shown(bytes)}`);
        // A write to a port that went away is the board being unplugged, whichever call noticed it first.
        if (stream.destroyed || stream.writableEnded) {
          reject(linkLost());
          return;
        }
        stream.write(bytes, (err) => (err ? reject(linkLost(err)) : resolve()));
      }),
    on(event: 'data' | 'close' | 'error', listener: (...args: never[]) => void) {
      stream.on(event, listener as (...args: unknown[]) => void);
      return this;
    },
    off(event, listener) {
      stream.off(event, listener as (...args: unknown[]) => void);
      return this;
    },
  } as ReplLink;
}

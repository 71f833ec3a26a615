import type { Duplex } from 'node:stream';
import { linkLost } from './repl-errors.js';

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
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
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

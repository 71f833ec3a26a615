import type { Transport } from 'esptool-js';

/**
 * Makes esptool-js's `Transport.read` start the moment a reply's first bytes arrive. Its own read checks
 * its input buffer every millisecond; a flash waits for some 60 block replies and a hundred command
 * replies, each found up to a millisecond late, with a timer firing a thousand times a second meanwhile
 * (CPU the board on the other end of a busy Pi may need). Here the wait for the first bytes is woken by
 * their arrival; the rest of the read (SLIP decoding, a reply split across chunks, the errors) stays
 * esptool-js's. A wait that times out hands over with no time left, so the error is esptool-js's own.
 */
export function wakeReadsOnData(transport: Transport): void {
  // esptool-js's read loop assigns `buffer` as bytes come in: an accessor on this instance sees each one.
  const state = transport as unknown as { buffer: Uint8Array };
  let bytes = state.buffer;
  let wake: (() => void) | undefined;
  Object.defineProperty(state, 'buffer', {
    configurable: true,
    enumerable: true,
    get: () => bytes,
    set: (value: Uint8Array) => {
      bytes = value;
      if (value.length > 0) wake?.();
    },
  });

  const arrival = (timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, timeoutMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });

  const read = transport.read.bind(transport);
  transport.read = async (timeout: number): Promise<Uint8Array> => {
    if (bytes.length > 0) return read(timeout);
    return read((await arrival(timeout)) ? timeout : 0);
  };
}

import type { SerialPortStream } from '@serialport/stream';
import { BootWatch, type BootVerdict } from '../../../../protocol/src/boot-log/index.js';

export type BootOutcome =
  | BootVerdict
  /** Nothing the board printed within the bound said what the boot is. */
  | { kind: 'unrecognised'; waitedMs: number }
  /** The port has no modem lines (a pty, a loose adapter): nothing reset the board. */
  | { kind: 'not-reset' }
  /** The caller asked not to listen. */
  | { kind: 'not-watched' };

/** Another app's start-up lines count as its boot once they have been quiet this long. */
export const APP_QUIET_MS = 500;

/**
 * Listens to `port` from now on and resolves the moment a line says what the boot is (BootWatch), or once
 * another ESP-IDF app's start-up has gone quiet, or after `boundMs` with `unrecognised`. Call it before the
 * reset, then `await outcome` after it: nothing the chip prints in between is missed.
 */
export function listenForBoot(port: SerialPortStream, boundMs: number): { outcome: Promise<BootOutcome>; stop(): void } {
  const watch = new BootWatch();
  const started = Date.now();
  let settle: (outcome: BootOutcome) => void = () => undefined;
  let quietTimer: ReturnType<typeof setTimeout> | undefined;
  const bound = setTimeout(() => settle({ kind: 'unrecognised', waitedMs: Date.now() - started }), boundMs);
  const onData = (chunk: Buffer): void => {
    const verdict = watch.push(chunk.toString('latin1'));
    if (verdict) {
      settle(verdict);
      return;
    }
    const appLine = watch.appLine;
    if (appLine !== undefined) {
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => settle({ kind: 'app', line: appLine }), APP_QUIET_MS);
    }
  };
  const stop = (): void => {
    clearTimeout(bound);
    clearTimeout(quietTimer);
    port.off('data', onData);
  };
  const outcome = new Promise<BootOutcome>((resolve) => {
    settle = (o) => {
      stop();
      resolve(o);
    };
  });
  port.on('data', onData);
  return { outcome, stop: () => settle({ kind: 'not-watched' }) };
}

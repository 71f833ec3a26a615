/**
 * Resetting a board through its serial port, for flashing, pushing, the console and the CLI alike: hard
 * (EN pulled low through RTS, or machine.reset() when the port has no modem lines) or soft (Ctrl-D at the
 * friendly REPL), and what the board printed as it came back up.
 */
import { Esp32CamError, isEsp32CamError } from '../../errors.js';
import type { SerialPortHandle } from '../../transports/serial/index.js';
import type { RawReplClient } from '../repl/index.js';
import { hardReset } from './reset-lines.js';

/** A REPL client on an open port: what a reset needs. */
export interface BoardSession {
  client: RawReplClient;
  handle: SerialPortHandle;
}

/** Sessions whose board was reset: their client no longer knows the board's state. */
const resetSessions = new WeakSet<BoardSession>();

/** Whether `session`'s board was reset during it (its REPL client must not be trusted since). */
export function wasReset(session: BoardSession): boolean {
  return resetSessions.has(session);
}

export type ResetMode = 'hard' | 'soft';

export interface ResetOptions {
  /** Stop collecting boot output once it matches (e.g. the slave script's banner). */
  until?: RegExp;
  /** Collect boot output at most this long (default 5 s). */
  waitMs?: number;
  /** Stop once the board has been quiet this long after printing something (default 1.5 s). */
  quietMs?: number;
}

export interface ResetResult {
  mode: ResetMode;
  /** How it was done: the DTR/RTS lines, machine.reset(), or Ctrl-D at the friendly REPL. */
  how: 'rts' | 'machine.reset' | 'ctrl-d';
  /** What the board printed after the reset, as text. */
  output: string;
}

/**
 * Resets the board and returns what it printed. Hard: EN pulled low through RTS (the flasher's sequence,
 * GPIO0 left high) when the port has modem lines, else `machine.reset()` through the REPL. Soft: Ctrl-D at
 * the friendly REPL, which restarts MicroPython and runs boot.py and main.py. The session's client must not
 * be used for REPL work afterwards: open a new session.
 */
export async function resetBoard(session: BoardSession, mode: ResetMode, opts: ResetOptions = {}): Promise<ResetResult> {
  const { client, handle } = session;
  resetSessions.add(session);
  if (mode === 'soft') {
    // enterRaw stops main.py and re-arms the watchdog, so the board cannot bite before Ctrl-D.
    await client.enterRaw();
    await client.exitRaw();
    const capture = captureOutput(handle, opts);
    await write(handle, Uint8Array.of(0x04));
    return { mode, how: 'ctrl-d', output: await capture.done };
  }
  if (handle.hasModemLines) {
    const capture = captureOutput(handle, opts);
    await hardReset({ set: async (lines) => void (await handle.setSignals(lines)) });
    return { mode, how: 'rts', output: await capture.done };
  }
  await client.enterRaw();
  const capture = captureOutput(handle, opts);
  try {
    const r = await client.exec('import machine\nmachine.reset()\n', { timeoutMs: 3000 });
    if (r.error) {
      capture.cancel();
      throw new Esp32CamError(
        'E_NOT_MICROPYTHON',
        `machine.reset() failed on the board: ${r.error.trim().split('\n').pop() ?? ''}`,
        "Press the board's RST button to reset it; a port with DTR/RTS (a USB bridge, not a pty) lets esp32cam reset it by itself.",
      );
    }
  } catch (err) {
    // The reset cuts the exec short: the reboot it reports is the expected outcome.
    if (!isEsp32CamError(err, 'E_BOARD_REBOOTED') && !isEsp32CamError(err, 'E_REPL_TIMEOUT')) {
      capture.cancel();
      throw err;
    }
  }
  return { mode, how: 'machine.reset', output: await capture.done };
}

async function write(handle: SerialPortHandle, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => handle.port.write(bytes, (err) => (err ? reject(err) : resolve())));
}

const MAX_CAPTURE_CHARS = 64 * 1024;

/** Collects what the board prints until `until` matches, it goes quiet after speaking, or the wait ends. */
function captureOutput(handle: SerialPortHandle, opts: ResetOptions): { done: Promise<string>; cancel(): void } {
  const waitMs = opts.waitMs ?? 5000;
  const quietMs = opts.quietMs ?? 1500;
  let text = '';
  let finish: () => void = () => undefined;
  const done = new Promise<string>((resolve) => {
    let quietTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer): void => {
      // A script that prints forever must not grow this without bound: the end is what explains the boot.
      text = (text + chunk.toString('latin1')).slice(-MAX_CAPTURE_CHARS);
      if (opts.until?.test(text)) return finish();
      clearTimeout(quietTimer);
      quietTimer = setTimeout(finish, quietMs);
    };
    const deadline = setTimeout(() => finish(), waitMs);
    finish = () => {
      clearTimeout(deadline);
      clearTimeout(quietTimer);
      handle.port.off('data', onData);
      resolve(Buffer.from(text, 'latin1').toString('utf8'));
    };
    handle.port.on('data', onData);
    void handle.closed.then(() => finish());
  });
  return { done, cancel: () => finish() };
}

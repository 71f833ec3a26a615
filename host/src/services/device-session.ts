/**
 * One REPL session on a board's serial port: open it (DTR/RTS held low, the port lock taken under the
 * caller's name), run the caller's steps through a RawReplClient, and always close. A port that vanishes
 * mid-session is reported as E_PORT_DISCONNECTED whichever step noticed it first. Also the two resets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { hardReset } from '../devices/flasher/reset.js';
import { RawReplClient, duplexLink, type RawReplOptions } from '../devices/repl/index.js';
import { Esp32CamError, isEsp32CamError } from '../errors.js';
import { openSerialPort, type BridgeKind, type SerialPortHandle } from '../transports/serial/index.js';

/** MicroPython's REPL runs at 115200 baud on the ESP32's UART0. */
export const REPL_BAUD = 115200;

export interface PortSpec {
  /** A /dev path, or `sim:...` together with the simulator's binding. */
  path: string;
  binding?: BindingInterface;
  baudRate?: number;
  /** The bridge behind the port when known (the simulated board says cp210x); looked up otherwise. */
  bridge?: BridgeKind;
}

export interface ReplSession {
  client: RawReplClient;
  handle: SerialPortHandle;
}

export interface ReplSessionOptions {
  repl?: RawReplOptions;
  /** Directory for the port's lock file (tests); see openSerialPort. */
  lockDir?: string | null;
  /** Leave the board at the raw prompt instead of returning it to the friendly REPL (default false). */
  stayRaw?: boolean;
}

/** Sessions whose board was reset: their client no longer knows the board's state. */
const resetSessions = new WeakSet<ReplSession>();

/**
 * Opens `spec.path`, runs `fn` with a RawReplClient on it, and closes the port whatever happens. `owner`
 * names this use of the port in the E_PORT_BUSY error another opener gets (e.g. "esp32cam push").
 */
export async function withReplSession<T>(spec: PortSpec, owner: string, fn: (session: ReplSession) => Promise<T>, opts: ReplSessionOptions = {}): Promise<T> {
  const handle = await openSerialPort({
    path: spec.path,
    baudRate: spec.baudRate ?? REPL_BAUD,
    binding: spec.binding,
    bridge: spec.bridge,
    owner,
    ...(opts.lockDir !== undefined ? { lockDir: opts.lockDir } : {}),
  });
  let lost: Esp32CamError | undefined;
  void handle.closed.then((err) => {
    lost = err;
  });
  const client = new RawReplClient(duplexLink(handle.port), opts.repl);
  const session: ReplSession = { client, handle };
  // Back at `>>> ` after success or failure, the board is what a terminal opened next expects (a board left
  // in the raw REPL echoes nothing). Not after a reset, nor when the board stopped answering.
  const leave = async (): Promise<void> => {
    if (!opts.stayRaw && !lost && client.inRawRepl && !resetSessions.has(session)) await client.exitRaw().catch(() => undefined);
  };
  try {
    const result = await fn(session);
    await leave();
    return result;
  } catch (err) {
    // The port's own close event names the port; give it a moment to arrive after a failed read or write.
    if (!lost && !isEsp32CamError(err, 'E_PORT_DISCONNECTED')) await Promise.race([handle.closed, sleep(50)]);
    if (lost) throw lost;
    await leave();
    throw err;
  } finally {
    client.close();
    await handle.close();
  }
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
export async function resetBoard(session: ReplSession, mode: ResetMode, opts: ResetOptions = {}): Promise<ResetResult> {
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

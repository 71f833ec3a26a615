/**
 * One REPL session on a board's serial port: open it (DTR/RTS held low, the port lock taken under the
 * caller's name), run the caller's steps through a RawReplClient, and always close. A port that vanishes
 * mid-session is reported as E_PORT_DISCONNECTED whichever step noticed it first. Also the two resets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { wasReset, type BoardSession } from '../devices/board-reset/reset-board.js';
import { RawReplClient, duplexLink, type RawReplOptions } from '../devices/repl/index.js';
import { Esp32CamError, isEsp32CamError } from '../errors.js';
import { openSerialPort, type BridgeKind } from '../transports/serial/index.js';

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

export type ReplSession = BoardSession;

export interface ReplSessionOptions {
  repl?: RawReplOptions;
  /** Directory for the port's lock file (tests); see openSerialPort. */
  lockDir?: string | null;
  /** Leave the board at the raw prompt instead of returning it to the friendly REPL (default false). */
  stayRaw?: boolean;
}

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
    if (!opts.stayRaw && !lost && client.inRawRepl && !wasReset(session)) await client.exitRaw().catch(() => undefined);
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

export { resetBoard, type ResetMode, type ResetOptions, type ResetResult } from '../devices/board-reset/reset-board.js';

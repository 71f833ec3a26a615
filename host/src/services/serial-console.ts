import { EventEmitter } from 'node:events';
import { Esp32CamError } from '../errors.js';
import { hardReset } from '../devices/board-reset/index.js';
import { openSerialPort, type SerialPortHandle } from '../transports/serial/index.js';
import { errorPayload, type ErrorPayload } from './error-payload.js';
import type { SerialPorts } from './serial/index.js';

/** MicroPython's REPL and the ESP32 ROM's boot log both run at 115200 baud. */
export const CONSOLE_BAUD = 115200;
/** What a viewer who joins late sees of what came before. */
export const SCROLLBACK_BYTES = 64 * 1024;
/** One input message: a keystroke, a paste cut into pieces by the page. */
export const MAX_INPUT_BYTES = 4096;
/** Input waiting for the wire (11.5 KB/s at 115200): more than this is someone pasting faster than it goes. */
const MAX_PENDING_INPUT = 64 * 1024;

/** The owner the port's lock names to a flash or push that finds the console open. */
export const CONSOLE_OWNER = 'web console';

export type ConsoleState = 'open' | 'closed';

export interface ConsoleStateEvent {
  port: string;
  state: ConsoleState;
  viewers: number;
  /** Why it closed, when it was not asked to: E_PORT_DISCONNECTED for an unplugged board. */
  error?: ErrorPayload;
}

export interface ConsoleEvents {
  /** Bytes from the board, for every viewer of `port`. */
  output: [{ port: string; bytes: Uint8Array }];
  state: [ConsoleStateEvent];
}

export interface ConsoleJoin {
  port: string;
  /** What the board printed lately, oldest first. */
  scrollback: Uint8Array;
  viewers: number;
}

/** The last `limit` bytes that went through, as one contiguous copy when asked. */
class Scrollback {
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
    while (this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  read(): Uint8Array {
    const all = Buffer.concat(this.chunks);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }
}

interface Session {
  port: string;
  viewers: Set<string>;
  /** Settles once the port is open; joins during the open wait on it. */
  opened: Promise<SerialPortHandle>;
  handle: SerialPortHandle | undefined;
  scrollback: Scrollback;
  releaseClaim: () => void;
  ending: boolean;
}

export interface SerialConsolesOptions {
  ports: SerialPorts;
  scrollbackBytes?: number;
}

/**
 * The web page's serial console: one session per port, shared by every viewer (each browser tab), so all
 * see the same output and any may type. The port is opened as flashing opens it (DTR/RTS at the bridge's
 * idle levels, so opening never resets the board; the per-port lock) and claimed in the service, so a
 * flash or push job asked for meanwhile is refused naming the console. The session ends when its last
 * viewer leaves, when someone disconnects it, or when the port goes away (E_PORT_DISCONNECTED).
 */
export class SerialConsoles extends EventEmitter<ConsoleEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly opts: SerialConsolesOptions;
  private closed = false;

  constructor(opts: SerialConsolesOptions) {
    super();
    this.opts = opts;
  }

  /** Who holds `port` as a console, if anyone (for the status of the page). */
  isOpen(port: string): boolean {
    return this.sessions.has(port);
  }

  /**
   * Adds `viewer` to the console of `port` (the simulated board, or the one ESP board, when omitted),
   * opening the port for the first viewer. Returns the scrollback to show before the live output.
   */
  async join(viewer: string, port?: string): Promise<ConsoleJoin> {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The service is shutting down', 'Connect again once the service is back.');
    // An explicit port already held by the console needs no look-up: the board may be mid-reset.
    const path = port !== undefined && this.sessions.has(port) ? port : await this.opts.ports.choice.resolve(port, { preferSim: true });
    let session = this.sessions.get(path);
    if (session?.ending) {
      throw new Esp32CamError('E_PORT_BUSY', `The console on ${path} is closing`, 'Connect again in a moment.');
    }
    if (!session) session = this.open(path);
    session.viewers.add(viewer);
    try {
      await session.opened;
    } catch (err) {
      session.viewers.delete(viewer);
      throw err;
    }
    if (!session.viewers.has(viewer)) {
      throw new Esp32CamError('E_PORT_DISCONNECTED', `The console on ${path} closed while connecting`, 'Connect again.');
    }
    this.emitState(session);
    return { port: path, scrollback: session.scrollback.read(), viewers: session.viewers.size };
  }

  /** Removes `viewer` from every console it watches; a console nobody watches closes. */
  leave(viewer: string, port?: string): void {
    for (const session of [...this.sessions.values()]) {
      if (port !== undefined && session.port !== port) continue;
      if (!session.viewers.delete(viewer)) continue;
      if (session.viewers.size === 0) void this.end(session);
      else this.emitState(session);
    }
  }

  /** Closes the console of `port` for everybody: the port is free for a flash or a push. */
  async disconnect(port: string): Promise<void> {
    const session = this.sessions.get(port);
    if (session) await this.end(session);
  }

  /** Sends what `viewer` typed to the board. */
  async write(viewer: string, port: string, bytes: Uint8Array): Promise<void> {
    if (bytes.length > MAX_INPUT_BYTES) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `Console input of ${bytes.length} bytes is more than ${MAX_INPUT_BYTES} in one message`,
        `Send at most ${MAX_INPUT_BYTES} bytes at a time.`,
      );
    }
    const session = this.sessions.get(port);
    const handle = session?.handle;
    if (!session || !handle || session.ending || !session.viewers.has(viewer)) {
      throw new Esp32CamError('E_BAD_INPUT', `The console on ${port} is not connected`, 'Press Connect first.');
    }
    if (handle.port.writableLength + bytes.length > MAX_PENDING_INPUT) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `More input is waiting for ${port} than it can send (115200 baud is about 11 KB/s)`,
        'Wait for the board to take what was sent, then send the rest; push files with the Scripts panel instead of pasting them.',
      );
    }
    if (bytes.length === 0) return;
    await new Promise<void>((resolve) => handle.port.write(Buffer.from(bytes), () => resolve()));
  }

  /**
   * Presses RST through the console's own port (the reset sequence flashing and pushing use), so the viewers
   * see the board boot. A port without modem lines (a pty, a loose adapter) cannot do it.
   */
  async resetBoard(viewer: string, port: string): Promise<void> {
    const session = this.sessions.get(port);
    const handle = session?.handle;
    if (!session || !handle || session.ending || !session.viewers.has(viewer)) {
      throw new Esp32CamError('E_BAD_INPUT', `The console on ${port} is not connected`, 'Press Connect first.');
    }
    if (!handle.hasModemLines) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `${port} has no DTR/RTS lines to reset the board with`,
        "Press the board's RST button, or type Ctrl-D at the >>> prompt for a soft reset.",
      );
    }
    await hardReset({ set: async (lines) => void (await handle.setSignals(lines)) });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.values()].map((s) => this.end(s)));
  }

  private open(path: string): Session {
    const releaseClaim = this.opts.ports.claims.claim(path, {
      name: CONSOLE_OWNER,
      busyMessage: (p) => `${p} is open in the web console`,
      busyHint: 'Disconnect the serial console first (Serial console → Disconnect, on every tab), then try again.',
    });
    const session: Session = {
      port: path,
      viewers: new Set(),
      handle: undefined,
      scrollback: new Scrollback(this.opts.scrollbackBytes ?? SCROLLBACK_BYTES),
      releaseClaim,
      ending: false,
      opened: undefined as unknown as Promise<SerialPortHandle>,
    };
    this.sessions.set(path, session);
    // A boot-log listener on the port steps aside first.
    session.opened = this.opts.ports.claims
      .ready(path)
      .then(() => openSerialPort({ path, baudRate: CONSOLE_BAUD, owner: CONSOLE_OWNER, ...this.opts.ports.openExtras(path) }))
      .then(
        (handle) => {
          session.handle = handle;
          handle.port.on('data', (chunk: Buffer) => {
            const bytes = new Uint8Array(chunk);
            session.scrollback.push(bytes);
            this.emit('output', { port: path, bytes });
          });
          void handle.closed.then((error) => this.ended(session, error));
          if (session.ending || session.viewers.size === 0) void this.end(session);
          return handle;
        },
        (err: unknown) => {
          this.forget(session);
          throw err;
        },
      );
    // A join awaits it; a failed open with nobody waiting must not be an unhandled rejection.
    session.opened.catch(() => undefined);
    return session;
  }

  private async end(session: Session): Promise<void> {
    session.ending = true;
    const handle = session.handle ?? (await session.opened.catch(() => undefined));
    await handle?.close();
    this.ended(session, undefined);
  }

  /** The port closed: asked to, or it went away (then `error` says so to every viewer). */
  private ended(session: Session, error: Esp32CamError | undefined): void {
    if (this.sessions.get(session.port) !== session) return;
    this.forget(session);
    this.emit('state', { port: session.port, state: 'closed', viewers: 0, ...(error ? { error: errorPayload(error) } : {}) });
    session.viewers.clear();
  }

  private forget(session: Session): void {
    if (this.sessions.get(session.port) === session) this.sessions.delete(session.port);
    session.releaseClaim();
  }

  private emitState(session: Session): void {
    this.emit('state', { port: session.port, state: 'open', viewers: session.viewers.size });
  }
}

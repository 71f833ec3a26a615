import { createInterface, type Interface } from 'node:readline';
import { logger } from '../../log/index.js';
import { openSerialPort, type SerialPortHandle } from '../../transports/serial/index.js';
import { REPL_BAUD } from '../device-session.js';
import type { SerialPorts } from '../serial/index.js';

const serialLog = logger('serial');

/** Waits between tries to open a port that is missing or held by another program, doubling up to the last. */
const RETRY_MS = [2_000, 5_000, 15_000, 60_000];

export interface BootLogListenerOptions {
  /** The camera's name, for the port lock's owner and the log. */
  camera: string;
  path: string;
  ports: SerialPorts;
  /** Each line the board prints, without its line end. */
  onLine: (line: string) => void;
}

/**
 * Listens to what a board prints on its USB-serial port while the port is attached and nobody else wants
 * it: the boot log is where a brownout, a panic or a camera probe failure shows. It opens the port as the
 * console does (DTR/RTS at rest, so opening never resets the board), steps aside whenever a flash, a push,
 * the console or a recovery step claims the port, and comes back when it is free.
 */
export class BootLogListener {
  private handle: SerialPortHandle | undefined;
  private lines: Interface | undefined;
  private opening: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;
  private retry = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unlisten: () => void;

  constructor(private readonly opts: BootLogListenerOptions) {
    this.unlisten = opts.ports.claims.listen(opts.path, this);
  }

  /** Whether the port is open and being listened to. */
  get listening(): boolean {
    return this.handle !== undefined;
  }

  resume(): void {
    if (this.stopped) return;
    this.wanted = true;
    this.retry = 0;
    void this.open();
  }

  async pause(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.timer);
    await this.opening;
    await this.closePort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten();
    await this.pause();
  }

  private open(): Promise<void> {
    this.opening ??= this.tryOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async tryOpen(): Promise<void> {
    if (!this.wanted || this.handle) return;
    const { path, ports, camera } = this.opts;
    let handle: SerialPortHandle;
    try {
      handle = await openSerialPort({
        path,
        baudRate: REPL_BAUD,
        owner: `esp32cam service (boot-log listener of camera "${camera}")`,
        ...ports.openExtras(path),
      });
    } catch (err) {
      const wait = RETRY_MS[Math.min(this.retry++, RETRY_MS.length - 1)]!;
      serialLog.debug(
        () => `boot-log listener of camera "${camera}": ${path} not open (${err instanceof Error ? err.message : String(err)}); again in ${wait / 1000} s`,
      );
      this.later(wait);
      return;
    }
    if (!this.wanted) {
      await handle.close();
      return;
    }
    this.handle = handle;
    this.retry = 0;
    this.lines = createInterface({ input: handle.port, crlfDelay: Infinity });
    this.lines.on('line', (line) => this.opts.onLine(line.replace(/\r$/, '')));
    serialLog.info(`listening to the boot log of camera "${camera}" on ${path}`);
    void handle.closed.then(() => {
      if (this.handle !== handle) return;
      // The port went away (unplugged): listen again once it is back.
      this.forget();
      this.later(RETRY_MS[0]!);
    });
  }

  private later(ms: number): void {
    clearTimeout(this.timer);
    if (!this.wanted || this.stopped) return;
    this.timer = setTimeout(() => void this.open(), ms);
    this.timer.unref();
  }

  private async closePort(): Promise<void> {
    const handle = this.handle;
    this.forget();
    await handle?.close();
  }

  private forget(): void {
    this.lines?.close();
    this.lines = undefined;
    this.handle = undefined;
  }
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import type { SimSerialBoard } from './sim-serial-board.js';
import { UartWire } from './uart-wire.js';

/**
 * Exposes a simulated board at a pseudo-terminal for outside tools (esptool.py, miniterm, mpremote):
 * `socat pty,raw,echo=0,link=PATH STDIO`, with socat's stdio joined to the board's UART. A pty has no
 * modem lines, so the auto-reset circuit never sees DTR/RTS here; start the board with `downloadMode`
 * (GPIO0 held low) to flash through it. Bytes the host writes are fed to the chip at its current baud
 * rate, whatever rate the host set on its end.
 */
export interface PtyLinkOptions {
  /** The socat binary (default `socat` on the PATH). */
  socat?: string;
  /** How long to wait for socat to create the link. */
  startTimeoutMs?: number;
}

export class PtySerialLink {
  private readonly toBoard: UartWire;
  private readonly onBoardOutput = (chunk: Uint8Array): void => {
    if (this.child.stdin.writable) this.child.stdin.write(chunk);
  };
  private exited: Promise<void>;

  private constructor(
    readonly path: string,
    private readonly board: SimSerialBoard,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    this.toBoard = new UartWire((chunk) => this.board.receive(chunk), board.baud);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => {
      this.toBoard.setBaud(this.board.baud);
      void this.toBoard.send(chunk);
    });
    child.stdin.on('error', () => undefined);
    board.on('uart-out', this.onBoardOutput);
  }

  static async open(path: string, board: SimSerialBoard, opts: PtyLinkOptions = {}): Promise<PtySerialLink> {
    if (existsSync(path) && !lstatSync(path).isSymbolicLink()) {
      throw new Error(`${path} exists and is not a symbolic link; choose another path for the serial link`);
    }
    const child = spawn(opts.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${path}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`socat did not create ${path} within ${opts.startTimeoutMs ?? 5000} ms: ${stderr.trim()}`)),
        opts.startTimeoutMs ?? 5000,
      );
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // socat logs this once both ends are open, after the link exists.
        if (stderr.includes('starting data transfer loop')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`socat exited (code ${code}) before creating ${path}: ${stderr.trim()}`));
      });
    });
    try {
      await ready;
    } catch (err) {
      child.kill('SIGTERM');
      throw err;
    }
    return new PtySerialLink(path, board, child);
  }

  /** Resolves when socat ends by itself (or after close()). */
  get ended(): Promise<void> {
    return this.exited;
  }

  async close(): Promise<void> {
    this.board.off('uart-out', this.onBoardOutput);
    this.toBoard.clear();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

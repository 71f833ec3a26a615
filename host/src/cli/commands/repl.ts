import type { Command } from 'commander';
import { DEFAULT_MAINTENANCE_WINDOW_MS, RawReplClient, duplexLink } from '../../devices/repl/index.js';
import { Esp32CamError } from '../../errors.js';
import { REPL_BAUD, type PortSpec } from '../../services/device-session.js';
import { openSerialPort, type SerialPortHandle } from '../../transports/serial/index.js';
import { addSerialPortOptions, withSerialPort, type SerialPortFlags } from '../serial-port-choice.js';

/** Ctrl-] quits, as in telnet and miniterm: Ctrl-C, Ctrl-D and Ctrl-E all mean something to MicroPython. */
const QUIT = 0x1d;
/** After stdin ends (pipe mode), how long the board may keep printing before the session closes. */
const DRAIN_QUIET_MS = 300;
const DRAIN_MAX_MS = 3000;

export function registerReplCommand(program: Command): void {
  addSerialPortOptions(program.command('repl').description('an interactive MicroPython terminal on the board (Ctrl-] quits); it does not reset the board'))
    .option('--stop', 'first stop the running script and give the watchdog 10 minutes, so the board does not reboot under you')
    .action((flags: SerialPortFlags & { stop?: boolean }) => withSerialPort(flags, (spec) => replCommand(spec, flags.stop === true)));
}

type End = { kind: 'quit' } | { kind: 'eof' } | { kind: 'lost'; error: Esp32CamError };

async function replCommand(spec: PortSpec, stop: boolean): Promise<void> {
  // openSerialPort holds DTR and RTS low from the moment the port opens, so the board is neither reset nor frozen.
  const handle = await openSerialPort({ path: spec.path, baudRate: REPL_BAUD, binding: spec.binding, bridge: spec.bridge, owner: 'esp32cam repl' });
  if (stop) {
    try {
      await stopScript(handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  const terminal = new Terminal(process.stdin, handle);
  process.stderr.write(`esp32cam: connected to ${spec.path} at ${REPL_BAUD} baud, DTR/RTS low; Ctrl-] quits\n`);
  try {
    const end = await terminal.run();
    if (end.kind === 'eof') await terminal.drain();
    if (end.kind === 'lost') throw end.error;
  } finally {
    terminal.stop();
    await handle.close();
  }
  process.stderr.write('\nesp32cam: disconnected\n');
}

/**
 * Ctrl-C alone stops main.py but not the watchdog it started (docs/hardware.md §6, "the watchdog trap"): the
 * raw REPL client's way in re-arms it with the maintenance window, then the board goes back to `>>> `.
 */
async function stopScript(handle: SerialPortHandle): Promise<void> {
  const client = new RawReplClient(duplexLink(handle.port));
  try {
    await client.enterRaw();
    await client.exitRaw();
  } finally {
    client.close();
  }
  process.stderr.write(`esp32cam: stopped the running script; the watchdog allows ${DEFAULT_MAINTENANCE_WINDOW_MS / 60_000} minutes\n`);
}

/** Keys to the board, the board's bytes to stdout as they come. */
class Terminal {
  private lastWasCr = false;
  private lastOutputAt = Date.now();
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly handle: SerialPortHandle,
  ) {}

  run(): Promise<End> {
    return new Promise<End>((resolve) => {
      const onOutput = (bytes: Buffer): void => {
        this.lastOutputAt = Date.now();
        process.stdout.write(bytes);
      };
      this.handle.port.on('data', onOutput);
      this.cleanups.push(() => this.handle.port.off('data', onOutput));

      if (this.stdin.isTTY) {
        this.stdin.setRawMode(true);
        // Restored on every way out, a crash included: a terminal left in raw mode is unusable.
        const restore = (): void => {
          if (this.stdin.isTTY) this.stdin.setRawMode(false);
        };
        process.once('exit', restore);
        this.cleanups.push(() => {
          restore();
          process.off('exit', restore);
        });
      }
      const onInput = (chunk: Buffer): void => {
        const quitAt = chunk.indexOf(QUIT);
        const keys = this.lineEndings(quitAt >= 0 ? chunk.subarray(0, quitAt) : chunk);
        if (keys.length > 0) this.handle.port.write(keys);
        if (quitAt >= 0) resolve({ kind: 'quit' });
      };
      const onEnd = (): void => resolve({ kind: 'eof' });
      const onSignal = (): void => resolve({ kind: 'quit' });
      this.stdin.on('data', onInput);
      this.stdin.on('end', onEnd);
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      this.cleanups.push(() => {
        this.stdin.off('data', onInput);
        this.stdin.off('end', onEnd);
        this.stdin.pause();
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      });
      this.stdin.resume();

      void this.handle.closed.then((error) =>
        resolve({
          kind: 'lost',
          error: error ?? new Esp32CamError('E_PORT_DISCONNECTED', `${this.handle.path} closed`, 'Check the USB cable and run `esp32cam repl` again.'),
        }),
      );
    });
  }

  /** Waits for the board to finish answering what was piped in. */
  async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_MAX_MS;
    while (Date.now() < deadline && Date.now() - this.lastOutputAt < DRAIN_QUIET_MS) {
      await new Promise((r) => setTimeout(r, DRAIN_QUIET_MS / 3));
    }
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
  }

  /** Enter is `\r` to MicroPython's REPL: `\n` and `\r\n` from a pipe or a paste become one `\r`. */
  private lineEndings(bytes: Buffer): Buffer {
    const out: number[] = [];
    for (const b of bytes) {
      if (b === 0x0a) {
        if (!this.lastWasCr) out.push(0x0d);
      } else out.push(b);
      this.lastWasCr = b === 0x0d;
    }
    return Buffer.from(out);
  }
}

/**
 * Test harness: a Duplex that plays an ESP32's UART running MicroPython (WASM) — what the client writes
 * goes to the board's REPL, what MicroPython prints comes back. `rawPaste` chooses whether the board
 * offers raw-paste; `rebootWhen` makes the board reset (ROM banner, fresh MicroPython) as soon as it has
 * printed a marker, like a watchdog biting mid-exec.
 */
import { Duplex } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';

const WORKER = new URL('./mp-uart-worker.mjs', import.meta.url);

export interface RebootPlan {
  marker: string;
  /** The ROM's reset line, e.g. `rst:0x8 (TG1WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)`. */
  resetLine: string;
}

export class MicroPythonUart {
  readonly stream: Duplex;
  /** Every code block the board executed, in order. */
  readonly execLog: string[] = [];
  /** Raw-paste bytes received beyond the window granted (must stay empty). */
  readonly overruns: Array<{ received: number; granted: number }> = [];
  /** Bytes the host wrote, all together. */
  bytesFromHost = 0;
  private worker!: Worker;
  private post!: (bytes: Uint8Array) => void;
  private ctl = new Int32Array(new SharedArrayBuffer(4));
  private reboot: RebootPlan | undefined;
  private printed = '';
  private generation = 0;

  private constructor(private readonly rawPaste: boolean) {
    this.stream = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _enc, done) => {
        this.bytesFromHost += chunk.length;
        this.post(Uint8Array.from(chunk));
        done();
      },
    });
  }

  static async start(options: { rawPaste: boolean }): Promise<MicroPythonUart> {
    const uart = new MicroPythonUart(options.rawPaste);
    await uart.boot();
    return uart;
  }

  rebootWhen(plan: RebootPlan): void {
    this.reboot = plan;
    this.printed = '';
  }

  async close(): Promise<void> {
    this.generation++;
    await this.worker.terminate();
    this.stream.destroy();
  }

  private async boot(): Promise<void> {
    const gen = ++this.generation;
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER, { workerData: { rawPaste: this.rawPaste, ctl: this.ctl.buffer, inbox: port2 }, transferList: [port2] });
    this.worker = worker;
    this.post = (bytes) => {
      port1.postMessage(bytes);
      Atomics.add(this.ctl, 0, 1);
    };
    await new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (msg: { type: string; bytes?: Uint8Array; code?: string; received?: number; granted?: number }) => {
        if (gen !== this.generation) return;
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'exec') this.execLog.push(msg.code!);
        else if (msg.type === 'overrun') this.overruns.push({ received: msg.received!, granted: msg.granted! });
        else if (msg.type === 'tx') this.fromBoard(Buffer.from(msg.bytes!));
      });
    });
  }

  private fromBoard(bytes: Buffer): void {
    if (!this.reboot) {
      this.stream.push(bytes);
      return;
    }
    const before = this.printed.length;
    this.printed += bytes.toString('latin1');
    const at = this.printed.indexOf(this.reboot.marker);
    if (at < 0) {
      this.stream.push(bytes);
      return;
    }
    const keep = Math.max(0, at + this.reboot.marker.length - before);
    this.stream.push(bytes.subarray(0, keep));
    this.stream.push(Buffer.from(`\r\nets Jun  8 2016 00:22:57\r\n\r\n${this.reboot.resetLine}\r\n`, 'latin1'));
    this.reboot = undefined;
    const old = this.worker;
    this.generation++;
    void old.terminate().then(() => this.boot());
  }
}

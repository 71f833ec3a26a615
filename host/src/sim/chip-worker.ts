import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { packageRoot } from '../paths.js';
import type { FrameOutcome, FrameRequest } from './camera-model.js';
import { CTL } from './shared-layout.js';
import type { FsChange, FsState } from './sim-fs.js';
import type { ResetCause } from './uart/chip-runtime.js';

/** What one boot's worker starts from; board/worker.mjs documents each field (its BootData). */
export interface BootData {
  resetAt: number;
  powerOnAt: number;
  bootMs: number;
  soft: boolean;
  raw: boolean;
  rawPaste: boolean;
  banner: string;
  resetCause: number;
  seed: number;
  bootCount: number;
  configOverrides: Record<string, string | number | boolean>;
  fsState: FsState;
  fsBlocks: number;
  fs: { files: Array<[string, string]>; dirs: string[] };
  i2cUsed: number[];
  wdt: SharedArrayBuffer;
  /** The board's NVS as its last commit() left it: {namespace: {key: ['i32', n] | ['blob', hex]}}. */
  nvs: NvsData;
  /** Hardware faults of this chip boot (runtime-faults.ts): a sensor that fails its probe, a missing PSRAM. */
  hardware?: { sensorDead: boolean; noPsram: boolean };
}

export type NvsData = Record<string, Record<string, [string, number | string]>>;

/** What the worker posts to the host. */
export type WorkerMessage =
  | { t: 'uart'; bytes: Uint8Array }
  | { t: 'loaded'; ms: number }
  | { t: 'started' }
  | { t: 'repl'; raw: boolean }
  | { t: 'load-error'; file: string; line: number; message: string; text: string }
  | { t: 'script-error'; text: string }
  | { t: 'main-ended' }
  | { t: 'fs-corrupt' }
  | { t: 'worker-error'; text: string }
  | { t: 'slave-up'; bus: number; addr: number; rbuflen: number; wbuflen: number; ring: SharedArrayBuffer | null }
  | { t: 'slave-down'; bus: number }
  | { t: 'slave-task'; bus: number }
  | { t: 'i2c-mode'; bus: number; mode: number }
  | { t: 'pin'; pin: number; value: number }
  | { t: 'wdt-start'; timeoutMs: number }
  | { t: 'reboot'; cause: ResetCause; ms: number }
  | { t: 'soft-reset'; raw: boolean }
  | { t: 'exec'; code: string; how: 'raw' | 'raw-paste' }
  | { t: 'paste-overrun'; arrived: number; granted: number }
  | ({ t: 'fs' } & FsChange)
  | { t: 'nvs'; data: NvsData }
  /** `vmBytes`: the size of the MicroPython VM's WASM memory then (see SimInfo.vmMemoryBytes). */
  | ({ t: 'capture'; id: number; vmBytes: number } & FrameRequest);

/** What the host posts to the worker: a master's bus write, UART RX bytes, a frame the camera asked for. */
export type HostMessage =
  | { t: 'rx'; addr: number; hex: string }
  | { t: 'uart'; bytes: Uint8Array }
  | { t: 'frame'; id: number; outcome: FrameOutcome['outcome']; hex: string | null }
  /** Freeze the script until this absNow() time (0 ends a hang early). */
  | { t: 'hang'; until: number };

export interface ChipWorkerEvents {
  message(m: WorkerMessage): void;
  error(err: Error): void;
}

function workerPath(): string {
  return join(packageRoot(), 'host', 'src', 'sim', 'board', 'worker.mjs');
}

/**
 * The worker thread running MicroPython-WASM for one boot (chip reset or soft reset to the next), and its
 * inbox. The worker never returns to its event loop, so it cannot see a posted message by itself: every post
 * also rings the doorbell in `ctl`, which it waits on with Atomics.wait.
 */
export class ChipWorker {
  private constructor(
    private readonly worker: Worker,
    private readonly inbox: MessagePort,
    private readonly ctl: Int32Array,
  ) {}

  /** `ctl` is the board's, shared by all its boots (it also carries injected camera-init faults). */
  static start(ctl: Int32Array, boot: BootData, on: ChipWorkerEvents): ChipWorker {
    Atomics.store(ctl, CTL.HALT, 0);
    Atomics.store(ctl, CTL.DOORBELL, 0); // counts the messages posted to this boot's worker
    Atomics.store(ctl, CTL.TX_SENT, 0);
    Atomics.store(ctl, CTL.TX_DONE, 0);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerPath(), {
      workerData: { ...boot, ctl: ctl.buffer, inbox: port2 },
      transferList: [port2],
    });
    worker.on('message', on.message);
    worker.on('error', on.error);
    return new ChipWorker(worker, port1, ctl);
  }

  post(msg: HostMessage): void {
    this.inbox.postMessage(msg);
    Atomics.add(this.ctl, CTL.DOORBELL, 1);
    Atomics.notify(this.ctl, CTL.DOORBELL);
  }

  /** `n` printed bytes have left the UART: the worker's print blocks while too many are still in flight. */
  txDrained(n: number): void {
    Atomics.add(this.ctl, CTL.TX_DONE, n);
    Atomics.notify(this.ctl, CTL.TX_DONE);
  }

  /** Resolves once the thread is gone. */
  stop(): Promise<number> {
    this.inbox.close();
    return this.worker.terminate();
  }
}

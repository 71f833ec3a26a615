/**
 * The simulated ESP32-CAM (MicroPython on its UART, reached through a real SerialPortStream on the
 * simulator's binding) with a RawReplClient, and views of the board that do not go through the REPL:
 * its filesystem as stored in the flash, the code its raw REPL ran, and the bytes that reached its RX pin.
 */
import { RawReplClient, duplexLink, type RawReplOptions } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import type { SimOptions } from '../../host/src/sim/index.js';
import { SimFs } from '../../host/src/sim/sim-fs.js';
import { replBoard, scriptIn, tempDir, type ReplBoard } from '../sim-repl/helpers.js';

/**
 * A main.py shaped like the slave script, doing nothing: an I2C slave (the simulator counts the board as up
 * once its callback is registered), its own watchdog, and a loop that feeds it and sleeps.
 */
export const IDLE_MAIN = [
  'import machine, time',
  'machine.I2C.deinit_all()',
  'bus = machine.I2C(0, mode=machine.I2C.SLAVE, scl=12, sda=13, slave_addr=0x2c, slave_wbuflen=16)',
  'bus.callback(lambda b: None)',
  'wdt = machine.WDT(timeout=30000)',
  'while True:',
  '    wdt.feed()',
  '    time.sleep_ms(50)',
  '',
].join('\n');

export interface ExecRecord {
  code: string;
  how: 'raw' | 'raw-paste';
}

export interface TestBoard {
  board: ReplBoard;
  client: RawReplClient;
  /** Every code block the board's raw REPL ran, in order. */
  readonly execs: ExecRecord[];
  /** Bytes that reached the chip's RX pin, all together. */
  bytesFromHost(): number;
  /** Closes the client and starts another on the same port (the board keeps running). */
  newClient(options?: RawReplOptions): RawReplClient;
  /** The file's bytes as stored in the board's flash, or undefined when it does not exist. */
  readFile(path: string): Buffer | undefined;
  /** The names in a folder of the board's filesystem (from the flash), sorted. */
  listDir(path?: string): string[];
  close(): Promise<void>;
}

export async function startBoard(opts: SimOptions = {}, clientOptions: RawReplOptions = {}): Promise<TestBoard> {
  const dir = tempDir();
  const board = await replBoard({ script: scriptIn(dir, IDLE_MAIN), ...opts }, dir);
  // As openSerialPort does: the write an unplug cuts short reaches the client as a rejected write.
  board.port.on('error', () => undefined);
  const execs: ExecRecord[] = [];
  board.sim.on('repl-exec', (e: ExecRecord) => execs.push(e));
  let received = 0;
  board.sim.serial.on('uart-in', (bytes: Uint8Array) => (received += bytes.length));
  const fs = (): SimFs => SimFs.load(board.sim.serial.flash);
  const t: TestBoard = {
    board,
    client: new RawReplClient(duplexLink(board.port), clientOptions),
    execs,
    bytesFromHost: () => received,
    newClient(options = {}) {
      t.client.close();
      t.client = new RawReplClient(duplexLink(board.port), options);
      return t.client;
    },
    readFile: (path) => fs().files.get(path),
    listDir(path = '/') {
      const { files, dirs } = fs();
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const names = [...files.keys(), ...dirs].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
      return names
        .map((p) => p.slice(prefix.length))
        .filter(Boolean)
        .sort();
    },
    async close() {
      t.client.close();
      await board.dispose();
    },
  };
  return t;
}

export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; hint: string }> {
  try {
    await p;
  } catch (err) {
    if (isEsp32CamError(err)) return { code: err.code, message: err.message, hint: err.hint };
    throw err;
  }
  return { code: 'resolved', message: '', hint: '' };
}

/** A valid script of about `size` bytes, different for each `seed`, with some non-ASCII text in it. */
export function bigScript(size: number, seed: string): Buffer {
  const lines = [`# generated test script ${seed} — größe ${size}`, `SEED = '${seed}'`];
  for (let i = 0; lines.join('\n').length < size; i++) lines.push(`value_${i} = ${i} * 7  # padding line ${i} for ${seed}: ÄÖÜ`);
  lines.push('print(SEED, value_0)', '');
  return Buffer.from(lines.join('\n'), 'utf8');
}

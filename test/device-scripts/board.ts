/**
 * Runs the real device-scripts/main.py in real MicroPython (WebAssembly), with the Python test doubles of
 * `machine`, `camera`, `utime` and `esp32` from ./fakes installed through sys.modules. The test plays the I2C master:
 * `command()` hands bytes to the slave's callback and returns what it queued with setdata.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { deviceScriptsDir } from '../../host/src/paths.js';

interface MicroPython {
  runPython(code: string): unknown;
  globals: { get(name: string): unknown };
  FS: { mkdir(path: string): void; writeFile(path: string, data: string): void };
}
type LoadMicroPython = (options: {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  linebuffer?: boolean;
  heapsize?: number;
}) => Promise<MicroPython>;

// The package ships no type declarations; a computed specifier keeps tsc from looking for them, and the
// shape we rely on is spelled out above.
const MICROPYTHON_PACKAGE = '@micropython/micropython-webassembly-pyscript';

const FAKES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fakes');
const FAKE_MODULES = ['machine', 'camera', 'utime', 'esp32'] as const;

export interface Board {
  /** Everything the script printed, one entry per line. */
  output: string[];
  /** Runs Python statements in the board's __main__ (where `main`, `slave`, `machine`, `camera`, `utime` live). */
  py(code: string): void;
  /** Evaluates a Python expression that json.dumps can encode. */
  value<T>(expr: string): T;
  /** Delivers one chunk to the slave's I2C callback, as freshev's slave task does; returns each setdata() call. */
  command(data: Buffer | string): Buffer[];
  /** Sets what the fake camera's capture() returns next. */
  setPhoto(photo: Buffer): void;
  /** Writes to a GPIO since the last call: [pin, value] pairs. */
  takePinWrites(): Array<[number, number]>;
}

export interface BoardOptions {
  /** Python run after the fakes are installed and before main.py is imported (to set fake knobs). */
  setup?: string;
  /** Import main.py and build the slave with main.start(). Default true. */
  start?: boolean;
}

export async function loadBoard(options: BoardOptions = {}): Promise<Board> {
  const { loadMicroPython } = (await import(MICROPYTHON_PACKAGE)) as { loadMicroPython: LoadMicroPython };
  const output: string[] = [];
  const mp = await loadMicroPython({
    stdout: (line) => output.push(line),
    stderr: (line) => output.push(line),
    linebuffer: true,
    heapsize: 4 * 1024 * 1024,
  });

  mp.FS.mkdir('/device-scripts');
  for (const file of ['main.py', 'camconfig.py']) {
    mp.FS.writeFile(`/device-scripts/${file}`, readFileSync(join(deviceScriptsDir(), file), 'utf8'));
  }
  // Stored under other names: MicroPython-WASM's own utime would win over a file called utime.py.
  mp.FS.mkdir('/fakes');
  for (const name of FAKE_MODULES) {
    mp.FS.writeFile(`/fakes/fake_${name}.py`, readFileSync(join(FAKES_DIR, `${name}.py`), 'utf8'));
  }
  mp.runPython(
    [
      'import sys, json, binascii',
      "sys.path.insert(0, '/fakes')",
      "sys.path.insert(0, '/device-scripts')",
      ...FAKE_MODULES.map((name) => `import fake_${name}\nsys.modules['${name}'] = fake_${name}`),
      "sys.modules['time'] = fake_utime",
      ...FAKE_MODULES.map((name) => `import ${name}`),
    ].join('\n'),
  );
  if (options.setup) mp.runPython(options.setup);

  const board: Board = {
    output,
    py: (code) => {
      mp.runPython(code);
    },
    value: <T>(expr: string): T => {
      mp.runPython(`_json_out = json.dumps(${expr})`);
      return JSON.parse(mp.globals.get('_json_out') as string) as T;
    },
    command: (data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      const before = board.value<number>('len(i2c.sent)');
      mp.runPython(`i2c.receive(binascii.unhexlify('${bytes.toString('hex')}'))`);
      const hex = board.value<string[]>(`[binascii.hexlify(b).decode() for b in i2c.sent[${before}:]]`);
      return hex.map((h) => Buffer.from(h, 'hex'));
    },
    setPhoto: (photo) => {
      mp.runPython(`camera.next_capture = binascii.unhexlify('${photo.toString('hex')}')`);
    },
    takePinWrites: () => {
      const writes = board.value<Array<[number, number]>>('machine.pin_writes');
      mp.runPython('machine.pin_writes.clear()');
      return writes;
    },
  };
  if (options.start !== false) {
    mp.runPython('import main\nslave = main.start()\ni2c = machine.i2cs[-1]');
  }
  return board;
}

/** A JPEG-shaped photo of exactly `size` bytes: SOI, deterministic filler, EOI. */
export function fakeJpeg(size: number, seed = 1): Buffer {
  const photo = Buffer.alloc(size);
  for (let i = 0; i < size; i++) photo[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  photo[0] = 0xff;
  photo[1] = 0xd8;
  photo[size - 2] = 0xff;
  photo[size - 1] = 0xd9;
  return photo;
}

/** CRC-8/SMBUS: poly 0x07, init 0, no reflection. */
export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** A protocol-2 request frame: A5 5A seq op n args crc8. */
export function requestFrame(seq: number, op: number, args: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.from([seq, op, args.length, ...args]);
  return Buffer.concat([Buffer.from([0xa5, 0x5a]), body, Buffer.from([crc8(body)])]);
}

/** The reply frame the spec demands: A5 5A seq status len16 payload crc32 (over seq..payload). */
export function replyFrame(seq: number, status: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4 + payload.length);
  body[0] = seq;
  body[1] = status;
  body.writeUInt16LE(payload.length, 2);
  body.set(payload, 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(body));
  return Buffer.concat([Buffer.from([0xa5, 0x5a]), body, crc]);
}

/** A MicroPython-WASM board (the repl harness) with a RawReplClient, and helpers that look at its filesystem directly. */
import { RawReplClient, duplexLink, type RawReplOptions } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { MicroPythonUart } from '../repl/mp-uart.js';

export interface TestBoard {
  uart: MicroPythonUart;
  client: RawReplClient;
  /** The file's bytes as the board reads them, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  listDir(path?: string): Promise<string[]>;
}

export async function startBoard(rawPaste: boolean, options: RawReplOptions = {}): Promise<TestBoard> {
  const uart = await MicroPythonUart.start({ rawPaste });
  const client = new RawReplClient(duplexLink(uart.stream), options);
  return {
    uart,
    client,
    async readFile(path) {
      const r = await client.exec(`import binascii\ntry:\n print(binascii.hexlify(open('${path}','rb').read()).decode())\nexcept OSError:\n print('missing')\n`, { timeoutMs: 30_000 });
      if (r.error) throw new Error(r.error);
      const text = r.stdout.trim();
      return text === 'missing' ? undefined : Buffer.from(text, 'hex');
    },
    async listDir(path = '/') {
      const r = await client.exec(`import os\nprint('\\n'.join(sorted(os.listdir('${path}'))))`);
      if (r.error) throw new Error(r.error);
      return r.stdout.split('\n').filter(Boolean);
    },
  };
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

import { pushFile } from '../host/src/devices/push/index.js';
import { withReplSession } from '../host/src/services/device-session.js';
import { SimulatedEsp32Cam } from '../host/src/sim/index.js';
import { registerSimSerialBoard, SimSerialBinding, unregisterSimSerialBoard } from '../host/src/sim/uart/index.js';

export interface PushThroughput {
  baud: number;
  fileBytes: number;
  /** Every byte the host sent during the session: interrupt, watchdog feed, hash check, data, rename, exit. */
  wireBytes: number;
  /** From opening the port to closing it, with the slave script running on the board at the start. */
  sessionSeconds: number;
  /** pushFile alone: hash check, temp file, base64 chunks, hash check, rename. */
  pushSeconds: number;
  /** The file's own bytes at 10 bits a byte, with nothing else on the line. */
  lineLimitSeconds: number;
  how: string;
}

/** A syntactically valid module of exactly `size` bytes, shaped like a real script (defs, docstrings, dicts). */
export function scriptOfSize(size: number): Buffer {
  let text = '# bench script\nimport struct\n\n';
  for (let i = 0; text.length < size; i++) {
    text +=
      `def handler_${i}(frame, limit=${i + 16}):\n` +
      `    """Checks frame ${i}: its length, its CRC and the reply it wants."""\n` +
      `    if len(frame) < 4 or len(frame) > limit:\n        return None\n` +
      `    op, n = struct.unpack_from('<BH', frame, 1)\n` +
      `    return {'op': op, 'n': n, 'tag': 'h${i}'}\n\n`;
  }
  // Cut after a whole function (they end in a blank line), then pad with a comment line to the exact size.
  text = text.slice(0, text.lastIndexOf('\n\n', size - 3) + 2);
  return Buffer.from(text + '#'.repeat(size - text.length - 1) + '\n');
}

/**
 * Pushes a 20 KB script into the simulated board over its UART at 115200 baud. The simulator paces both
 * directions at the line rate, and the board runs device-scripts/main.py (watchdog armed) when the session
 * starts, as a board in the field does.
 */
export async function pushThroughput(size = 20_000): Promise<PushThroughput> {
  const baud = 115200;
  const data = scriptOfSize(size);
  const sim = await SimulatedEsp32Cam.start({ bootMs: 0 });
  const path = 'sim:esp32cam-bench-push';
  registerSimSerialBoard(path, sim.serial);
  let wireBytes = 0;
  sim.serial.on('uart-in', (bytes: Uint8Array) => {
    wireBytes += bytes.length;
  });
  try {
    const started = performance.now();
    let pushSeconds = 0;
    let how = '';
    await withReplSession({ path, binding: SimSerialBinding, baudRate: baud }, 'bench', async ({ client }) => {
      const t0 = performance.now();
      const r = await pushFile(client, data, '/bench.py', { force: true });
      pushSeconds = (performance.now() - t0) / 1000;
      how = `${client.lastExecPath}, verified by ${r.verifiedBy}`;
    });
    const sessionSeconds = (performance.now() - started) / 1000;
    return { baud, fileBytes: data.length, wireBytes, sessionSeconds, pushSeconds, lineLimitSeconds: (data.length * 10) / baud, how };
  } finally {
    unregisterSimSerialBoard(path);
    await sim.close();
  }
}

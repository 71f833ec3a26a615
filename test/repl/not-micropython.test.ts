import { Duplex } from 'node:stream';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RawReplClient, duplexLink } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { SimSerialBinding } from '../../host/src/sim/uart/index.js';
import { startBoard } from '../push/board.js';
import { simBoard } from '../sim-uart/helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isEsp32CamError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return { code: 'resolved', message: '' };
}

describe('RawReplClient against boards that do not run MicroPython', () => {
  it('an erased board in the ROM boot loop (the simulated UART, a real serialport stream) → E_NOT_MICROPYTHON', async () => {
    const sim = await simBoard();
    cleanups.push(sim.dispose);
    const port = new SerialPortStream({ binding: SimSerialBinding, path: sim.path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => port.set({ dtr: false, rts: false }, (err) => (err ? reject(err) : resolve())));
    cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
    const client = new RawReplClient(duplexLink(port));
    const err = await errorOf(client.exec('print(1)'));
    expect(err.code).toBe('E_NOT_MICROPYTHON');
    expect(err.message).toContain('invalid header');
    client.close();
  });

  it('a silent link (nothing at the other end) → E_NO_SERIAL_DATA', async () => {
    const quiet = new RawReplClient(duplexLink(new Duplex({ read() {}, write: (_c, _e, done) => done() })), { syncTimeoutMs: 600 });
    expect((await errorOf(quiet.exec('print(1)'))).code).toBe('E_NO_SERIAL_DATA');
  });

  it('the simulated board unplugged while its code runs → E_PORT_DISCONNECTED', async () => {
    const b = await startBoard();
    cleanups.push(() => b.close());
    b.board.sim.on('repl-exec', (e: { code: string }) => {
      if (e.code.includes('unplug me')) setImmediate(() => b.board.sim.serial.unplug());
    });
    const err = await errorOf(b.client.exec('print("unplug me")\nimport time\nwhile True:\n    time.sleep_ms(1)\n', { timeoutMs: 10_000 }));
    expect(err.code).toBe('E_PORT_DISCONNECTED');
  });
});

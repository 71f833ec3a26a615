import { Duplex } from 'node:stream';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RawReplClient, duplexLink } from '../../host/src/devices/repl/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { SimSerialBinding } from '../../host/src/sim/uart/index.js';
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

  it('a silent link → E_NO_SERIAL_DATA; a link that closes mid-exec → E_PORT_DISCONNECTED', async () => {
    const quiet = new RawReplClient(duplexLink(new Duplex({ read() {}, write: (_c, _e, done) => done() })), { syncTimeoutMs: 600 });
    expect((await errorOf(quiet.exec('print(1)'))).code).toBe('E_NO_SERIAL_DATA');

    // A board that answers the raw REPL, then vanishes (unplugged) while code runs.
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _e, done) {
        const s = chunk.toString('latin1');
        if (s.includes('\x01') && !s.includes('\x05')) this.push('raw REPL; CTRL-B to exit\r\n>');
        if (s.endsWith('\x04')) {
          if (s.includes('_esp32cam_wdt')) this.push('OK\x04\x04>');
          else setImmediate(() => this.destroy());
        }
        if (s === '\x05A\x01') this.push('R\x00>');
        done();
      },
    });
    const client = new RawReplClient(duplexLink(wire));
    expect((await errorOf(client.exec('print(1)'))).code).toBe('E_PORT_DISCONNECTED');
  });
});

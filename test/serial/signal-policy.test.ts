import { describe, expect, it } from 'vitest';
import { Esp32CamError, isEsp32CamError } from '../../host/src/errors.js';
import { openSerialPort } from '../../host/src/transports/serial/index.js';
import { RecordingBinding } from './recording-binding.js';

function ops(binding: RecordingBinding): string[] {
  return binding.calls.map((c) => c.op);
}

async function rejection(promise: Promise<unknown>): Promise<Esp32CamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Esp32CamError)) throw new Error(`expected an Esp32CamError, got ${String(err)}`);
  return err;
}

describe('openSerialPort: DTR/RTS policy through an injected binding', () => {
  it('opens with hupcl off and a lock, and drops both lines before the first byte goes out (ESP32-CAM-MB)', async () => {
    const binding = new RecordingBinding();
    const handle = await openSerialPort({ path: 'sim:policy-ch340', baudRate: 115200, bridge: 'ch340', binding });
    expect(handle.hasModemLines).toBe(true);
    expect(handle.bridge.kind).toBe('ch340');
    await new Promise<void>((resolve, reject) => handle.port.write(Buffer.from('hello'), (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => handle.port.drain(() => resolve()));
    expect(ops(binding)).toEqual(['open', 'set', 'write']);
    const open = binding.calls[0];
    expect(open.op === 'open' && open.options).toMatchObject({ path: 'sim:policy-ch340', baudRate: 115200, hupcl: false, lock: true });
    const set = binding.calls[1];
    expect(set.op === 'set' && set.options).toEqual({ brk: false, cts: false, dtr: false, rts: false });
    await handle.close();
  });

  it('keeps DTR set for TinyUSB CDC, whose firmware stops its console without it', async () => {
    const binding = new RecordingBinding();
    const handle = await openSerialPort({ path: 'sim:policy-cdc', baudRate: 115200, bridge: 'esp-tinyusb-cdc', binding });
    const set = binding.calls[1];
    expect(set.op === 'set' && set.options).toMatchObject({ dtr: true, rts: false });
    await handle.close();
  });

  it('setSignals always names both lines, so serialport cannot fill in dtr/rts = true', async () => {
    const binding = new RecordingBinding();
    const handle = await openSerialPort({ path: 'sim:policy-set', baudRate: 115200, bridge: 'cp210x', binding });
    expect(await handle.setSignals({ dtr: false, rts: true })).toBe(true);
    expect(await handle.setSignals({ dtr: true, rts: false })).toBe(true);
    const sets = binding.calls.filter((c) => c.op === 'set').map((c) => (c.op === 'set' ? c.options : undefined));
    expect(sets).toEqual([
      { brk: false, cts: false, dtr: false, rts: false },
      { brk: false, cts: false, dtr: false, rts: true },
      { brk: false, cts: false, dtr: true, rts: false },
    ]);
    await handle.close();
  });

  it('changes the baud rate in place, never by closing and reopening', async () => {
    const binding = new RecordingBinding();
    const handle = await openSerialPort({ path: 'sim:policy-baud', baudRate: 115200, binding });
    await handle.update(460800);
    expect(handle.port.baudRate).toBe(460800);
    expect(ops(binding)).toEqual(['open', 'set', 'update']);
    expect(isEsp32CamError(await rejection(handle.update(0)), 'E_BAD_INPUT')).toBe(true);
    await handle.close();
    await handle.close();
    expect(ops(binding)).toEqual(['open', 'set', 'update', 'close']);
  });

  it('treats a port without modem lines (EINVAL/ENOTTY from the ioctl) as expected, not as a failure', async () => {
    const binding = new RecordingBinding({ setError: 'Error: Invalid argument, cannot set' });
    const handle = await openSerialPort({ path: 'sim:policy-nolines', baudRate: 115200, binding });
    expect(handle.hasModemLines).toBe(false);
    expect(await handle.setSignals({ dtr: true, rts: true })).toBe(false);
    await handle.close();
  });

  it('refuses a second open of the same port in this process, naming the holder, until it is closed', async () => {
    const binding = new RecordingBinding();
    const first = await openSerialPort({ path: 'sim:policy-lock', baudRate: 115200, binding, owner: 'flasher' });
    const err = await rejection(openSerialPort({ path: 'sim:policy-lock', baudRate: 115200, binding: new RecordingBinding(), owner: 'console' }));
    expect(err.code).toBe('E_PORT_BUSY');
    expect(err.message).toBe('sim:policy-lock is already open in this program (by the flasher)');
    await first.close();
    const again = await openSerialPort({ path: 'sim:policy-lock', baudRate: 115200, binding: new RecordingBinding() });
    await again.close();
  });

  it('reports a port lost on a write as E_PORT_DISCONNECTED, without an uncaught error, and frees the port', async () => {
    const binding = new RecordingBinding({ failWritesAfter: 1 });
    const handle = await openSerialPort({ path: 'sim:policy-unplug', baudRate: 115200, binding });
    handle.port.write(Buffer.from('one'));
    handle.port.write(Buffer.from('two'));
    const lost = await handle.closed;
    expect(lost?.code).toBe('E_PORT_DISCONNECTED');
    expect(lost?.message).toMatch(/^sim:policy-unplug went away \(.*Input\/output error/);
    await handle.close();
    const again = await openSerialPort({ path: 'sim:policy-unplug', baudRate: 115200, binding: new RecordingBinding() });
    await again.close();
  });

  it('fails the open and frees the port when the lines cannot be set because the device is gone', async () => {
    const binding = new RecordingBinding({ setError: 'Error: Input/output error, cannot set' });
    const err = await rejection(openSerialPort({ path: 'sim:policy-gone', baudRate: 115200, binding }));
    expect(err.code).toBe('E_PORT_DISCONNECTED');
    expect(ops(binding)).toEqual(['open', 'set', 'close']);
    const again = await openSerialPort({ path: 'sim:policy-gone', baudRate: 115200, binding: new RecordingBinding() });
    await again.close();
  });

  it('delivers bytes from the device through the stream', async () => {
    const binding = new RecordingBinding();
    const handle = await openSerialPort({ path: 'sim:policy-read', baudRate: 115200, binding });
    const got = new Promise<Buffer>((resolve) => handle.port.once('data', resolve));
    binding.receive(Buffer.from('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n'));
    expect((await got).toString()).toContain('boot:0x13');
    await handle.close();
  });

  it('refuses a bad baud rate and a non-file path without a binding', async () => {
    expect((await rejection(openSerialPort({ path: 'sim:x', baudRate: 0, binding: new RecordingBinding() }))).code).toBe('E_BAD_INPUT');
    const sim = await rejection(openSerialPort({ path: 'sim:esp32cam', baudRate: 115200 }));
    expect(sim.code).toBe('E_PORT_NOT_FOUND');
    expect(sim.hint).toMatch(/--serial-link/);
  });
});

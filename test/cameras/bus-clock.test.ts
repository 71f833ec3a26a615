import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openHardware, type OpenedHardware } from '../../host/src/app/hardware.js';
import { resolveConfig } from '../../host/src/config/load-config.js';
import { CameraClient } from '../../host/src/index.js';
import { Esp32CamError } from '../../host/src/errors.js';
import { configureLogging, parseLogLevels } from '../../host/src/log/index.js';
import { renderTestCard, SimulatedEsp32Cam } from '../../host/src/sim/index.js';
import type { I2cTransport } from '../../host/src/transports/i2c-transport.js';

/** A sysfs tree as a Pi shows it after `dtparam=i2c_arm_baudrate=HZ`: clock-frequency, a big-endian u32. */
function piSysfs(bus: number, hz: number | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'esp32cam-sys-'));
  dirs.push(root);
  const node = join(root, 'sys', 'class', 'i2c-adapter', `i2c-${bus}`, 'of_node');
  mkdirSync(node, { recursive: true });
  if (hz !== undefined) {
    const raw = Buffer.alloc(4);
    raw.writeUInt32BE(hz, 0);
    writeFileSync(join(node, 'clock-frequency'), raw);
  }
  return root;
}

function configError(run: () => unknown): Esp32CamError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(Esp32CamError);
    expect((err as Esp32CamError).code).toBe('E_CONFIG');
    return err as Esp32CamError;
  }
  throw new Error('expected E_CONFIG');
}

const layer = (values: unknown, name = 'config file /etc/esp32cam.json') => ({ name, values, baseDir: '/etc' });

/** JSON log lines of the i2c namespace, from here on. */
function i2cLog(): () => Array<Record<string, unknown>> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  configureLogging({ levels: parseLogLevels('warn,i2c=info'), format: 'json', destination: out });
  return () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Records the length of every read on a bus that is otherwise the simulated board's own (closed apart). */
function recordingReads(bus: I2cTransport, lengths: number[]): I2cTransport {
  return {
    i2cWrite: (address, length, buffer) => bus.i2cWrite(address, length, buffer),
    i2cRead: async (address, length, buffer) => {
      lengths.push(length);
      return bus.i2cRead(address, length, buffer);
    },
    close: async () => undefined,
  };
}

/** A wire nothing is sent on: opening the hardware touches no bus. */
const idleWire: I2cTransport = {
  i2cWrite: () => Promise.reject(new Error('nothing should be written')),
  i2cRead: () => Promise.reject(new Error('nothing should be read')),
  close: async () => undefined,
};

/** A simulated board at `busHz` whose photos are VGA test cards; the last one it took is kept. */
async function vgaBoard(busHz: number): Promise<{ sim: SimulatedEsp32Cam; taken: () => Buffer }> {
  let last: Buffer = Buffer.alloc(0);
  const sim = await SimulatedEsp32Cam.start({
    busHz,
    seed: 5,
    bootMs: 0,
    frameSource: async ({ frame }) => {
      last = await renderTestCard({ width: 640, height: 480, quality: 12, frame, time: new Date(0), seed: 5 });
      return last;
    },
  });
  boards.push(sim);
  return { sim, taken: () => last };
}

const dirs: string[] = [];
const boards: SimulatedEsp32Cam[] = [];
const opened: OpenedHardware[] = [];

afterEach(async () => {
  configureLogging({ levels: { default: 'warn', namespaces: {} }, format: 'json', destination: new PassThrough() });
  await Promise.all(opened.splice(0).map((h) => h.close()));
  await Promise.all(boards.splice(0).map((b) => b.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('i2c.clockHz in the config', () => {
  it('takes a clock for every real bus and one per bus, later sources replacing a bus at a time', () => {
    const config = resolveConfig([
      layer({ camera: 'i2c:1@0x2c', i2c: { clockHz: 400_000, buses: { '3': { clockHz: 50_000 } } } }),
      layer({ i2c: { buses: { '1': { clockHz: 100_000 } } } }, 'command line'),
    ]);
    expect(config.i2c).toEqual({ clockHz: 400_000, buses: { '1': { clockHz: 100_000 }, '3': { clockHz: 50_000 } } });
    expect(resolveConfig([layer({ camera: 'sim' })]).i2c).toBeUndefined();
  });

  it('refuses a clock that is no clock, naming the key, the source and the fix', () => {
    const tooFast = configError(() => resolveConfig([layer({ i2c: { clockHz: 5_000_000 } })]));
    expect(tooFast.message).toBe('config file /etc/esp32cam.json: i2c.clockHz: must be from 1000 to 1000000');
    expect(tooFast.hint).toMatch(/i2c_arm_baudrate/);
    expect(configError(() => resolveConfig([layer({ i2c: { clockHz: '400k' } })])).message).toMatch(/i2c\.clockHz: must be a number/);
    expect(configError(() => resolveConfig([layer({ i2c: { clockHz: 100_000.5 } })])).message).toMatch(/must be a whole number/);
    const badBus = configError(() => resolveConfig([layer({ i2c: { buses: { 'i2c-1': { clockHz: 400_000 } } } })]));
    expect(badBus.message).toMatch(/i2c\.buses/);
    expect(badBus.hint).toMatch(/"buses": \{"1": \{"clockHz": 400000\}\}/);
    const typo = configError(() => resolveConfig([layer({ i2c: { clockHZ: 400_000 } })]));
    expect(typo.message).toBe('config file /etc/esp32cam.json: unknown key "i2c.clockHZ"');
    expect(typo.hint).toBe('Did you mean "clockHz"? Remove the key or fix its spelling.');
  });
});

describe('the bus clock of a real camera', () => {
  /** Opens camera i2c:1@0x2c on a simulated wire standing in for /dev/i2c-1, with the sysfs tree given. */
  async function openOnFakePi(config: ReturnType<typeof resolveConfig>, sysRoot: string, wire: I2cTransport): Promise<OpenedHardware> {
    const lockDir = mkdtempSync(join(tmpdir(), 'esp32cam-buslock-'));
    dirs.push(lockDir);
    const hardware = await openHardware(config.cameras, config, { owner: 'bus-clock test', lockDir, sysRoot, openBus: async () => wire });
    opened.push(hardware);
    return hardware;
  }

  it('is the config over the device tree over 100 kHz, logged with where it came from', async () => {
    const log = i2cLog();
    const cases = [
      { i2c: { clockHz: 400_000 }, tree: 100_000, hz: 400_000, origin: 'config', says: /400000 Hz \(config i2c\.clockHz\)/ },
      {
        i2c: { clockHz: 100_000, buses: { '1': { clockHz: 400_000 } } },
        tree: undefined,
        hz: 400_000,
        origin: 'config',
        says: /\(config i2c\.buses\.1\.clockHz\)/,
      },
      { i2c: undefined, tree: 400_000, hz: 400_000, origin: 'system', says: /400000 Hz \(device tree\)/ },
      { i2c: undefined, tree: undefined, hz: 100_000, origin: 'default', says: /100000 Hz \(default: the system does not say/ },
    ] as const;
    for (const c of cases) {
      const config = resolveConfig([layer({ camera: 'i2c:1@0x2c', ...(c.i2c ? { i2c: c.i2c } : {}) })]);
      const hardware = await openOnFakePi(config, piSysfs(1, c.tree), idleWire);
      const camera = hardware.cameras[0]!;
      expect(camera.busClock).toEqual({ hz: c.hz, origin: c.origin });
      expect(camera.client.busHz).toBe(c.hz);
      expect(log().some((l) => l.ns === 'i2c' && l.origin === c.origin && c.says.test(String(l.msg)))).toBe(true);
      await hardware.close();
    }
    // A config that contradicts the device tree is worth a warning: one of them is wrong about the wire.
    const warned = log().find((l) => l.level === 40 || l.level === 'warn');
    expect(String(warned?.msg)).toBe('i2c-1: the config says 400000 Hz but the device tree says 100000 Hz; pacing by the config');
  });

  it('paces a camera at 400 kHz by the config: 4 KB replies read whole, and the exact photo', async () => {
    const { sim, taken } = await vgaBoard(400_000);
    const reads: number[] = [];
    const config = resolveConfig([layer({ camera: 'i2c:1@0x2c', i2c: { clockHz: 400_000 } })]);
    const hardware = await openOnFakePi(config, piSysfs(1, undefined), recordingReads(sim, reads));
    const client = hardware.cameras[0]!.client;
    await client.applySettings({ framesize: 8 });
    await client.capture(); // a session's first photo cannot ask for its first chunk behind the CAPTURE
    reads.length = 0;
    const photo = await client.capture();
    expect(photo.equals(taken())).toBe(true);
    expect(photo.length).toBeGreaterThan(2 * 4080);
    // Full chunks of the slave's 4080 bytes: every read but a poll or the last is a whole 4090-byte reply.
    expect(Math.max(...reads)).toBe(4090);
    expect(reads.filter((n) => n === 4090).length).toBeGreaterThanOrEqual(Math.floor(photo.length / 4080) - 1);
  });
});

describe('CameraClient and the bus clock', () => {
  it('keeps chunks to what 100 kHz crosses in 200 ms from the same slave, and still gets the exact photo', async () => {
    const { sim, taken } = await vgaBoard(100_000);
    const reads: number[] = [];
    const client = new CameraClient({ bus: recordingReads(sim, reads), busHz: 100_000 });
    await client.applySettings({ framesize: 8 });
    const photo = await client.capture();
    expect(photo.equals(taken())).toBe(true);
    expect(Math.max(...reads)).toBe(2048 + 10);
  });

  it('refuses a clock that is not a number of Hz', () => {
    expect(() => new CameraClient({ bus: {} as I2cTransport, busHz: 0 })).toThrow(/I2C clock 0 is not a clock in Hz/);
  });
});

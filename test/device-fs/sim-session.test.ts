/**
 * withReplSession and the push over the simulated ESP32-CAM's own UART (MicroPython with its filesystem in
 * the flash), reached through SimSerialBinding like any port: a port that vanishes mid-push, a full
 * filesystem, the ROM boot loop of an erased flash, and the two resets.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeviceFiles, readDeviceFile } from '../../host/src/devices/device-fs/index.js';
import { deviceScriptsDir } from '../../host/src/paths.js';
import { resetBoard, withReplSession, type PortSpec } from '../../host/src/services/device-session.js';
import { bundledScriptItems, pushScripts } from '../../host/src/services/script-push.js';
import { confirmScriptRuns } from '../../host/src/services/script-run.js';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';
import { registerSimSerialBoard, SimSerialBinding, unregisterSimSerialBoard } from '../../host/src/sim/uart/index.js';
import { bigScript, errorOf } from '../push/board.js';

let counter = 0;
async function simPort(opts: SimOptions): Promise<{ sim: SimulatedEsp32Cam; spec: PortSpec; close(): Promise<void> }> {
  const sim = await SimulatedEsp32Cam.start({ bootMs: 0, seed: 3, ...opts });
  const path = `sim:session-${process.pid}-${++counter}`;
  registerSimSerialBoard(path, sim.serial);
  return {
    sim,
    spec: { path, binding: SimSerialBinding, bridge: 'cp210x' },
    async close() {
      unregisterSimSerialBoard(path);
      await sim.close();
    },
  };
}

const bundledMain = readFileSync(join(deviceScriptsDir(), 'main.py'));

/** Valid Python of random hex strings, which deflate can only halve, so its push takes several writes. */
function incompressibleScript(size: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const line = `v_${i} = '${randomBytes(32).toString('hex')}'`;
    lines.push(line);
    length += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

describe('device sessions on the simulated board', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-sim-session-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a port unplugged mid-push is E_PORT_DISCONNECTED, and the old main.py is intact', async () => {
    const board = await simPort({ flashFile: join(dir, 'unplug.bin') });
    try {
      // Random text: the push deflates, and a script that compresses well would go in a single write.
      const script = incompressibleScript(96 * 1024);
      let chunks = 0;
      const err = await errorOf(
        withReplSession(board.spec, 'test push', (s) =>
          pushScripts(s.client, [{ remotePath: '/main.py', data: script, sourceName: 'big.py' }], {
            onProgress: (p) => {
              if (p.phase === 'write' && ++chunks === 3) board.sim.serial.unplug();
            },
          }),
        ),
      );
      expect(err.code).toBe('E_PORT_DISCONNECTED');
      expect(chunks).toBe(3);
      board.sim.serial.plug();
      const main = await withReplSession(board.spec, 'test check', async (s) => {
        const files = (await listDeviceFiles(s.client, '/')).map((f) => f.name);
        return { files, data: await readDeviceFile(s.client, '/main.py') };
      });
      expect(Buffer.from(main.data)).toEqual(bundledMain);
      expect(main.files).toContain('main.py');
    } finally {
      await board.close();
    }
  });

  it('a full filesystem is E_DEVICE_FS_FULL: the temp file is removed and the old file kept', async () => {
    const board = await simPort({ flashFile: join(dir, 'full.bin'), fsCapacityBytes: 32 * 1024 });
    try {
      const err = await errorOf(
        withReplSession(board.spec, 'test push', (s) =>
          pushScripts(s.client, [{ remotePath: '/main.py', data: bigScript(20 * 1024, 'too big'), sourceName: 'big.py' }]),
        ),
      );
      expect(err.code).toBe('E_DEVICE_FS_FULL');
      expect(err.message).toMatch(/\/main\.py could not be written \(the old file is unchanged\)/);
      // A second session on the same running board, as the service runs them: the first left it at `>>> `.
      const after = await withReplSession(board.spec, 'test check', async (s) => ({
        files: (await listDeviceFiles(s.client, '/')).map((f) => f.name),
        main: await readDeviceFile(s.client, '/main.py'),
      }));
      expect(after.files).not.toContain('main.py.tmp');
      expect(Buffer.from(after.main)).toEqual(bundledMain);
    } finally {
      await board.close();
    }
  });

  it('an erased flash (the ROM boot loop) is E_NOT_MICROPYTHON, and nothing is written', async () => {
    const flashFile = join(dir, 'erased.bin');
    await writeFile(flashFile, Buffer.alloc(4 * 1024 * 1024, 0xff));
    const board = await simPort({ flashFile });
    try {
      const err = await errorOf(withReplSession(board.spec, 'test push', (s) => pushScripts(s.client, bundledScriptItems())));
      expect(err.code).toBe('E_NOT_MICROPYTHON');
      expect(err.message).toMatch(/invalid header|rst:|ets /);
      expect(readFileSync(flashFile).every((b) => b === 0xff)).toBe(true);
    } finally {
      await board.close();
    }
  });

  it('push, then a hard reset through RTS starts the new script: its banner and an I2C ping at the new address', async () => {
    const board = await simPort({ flashFile: join(dir, 'run.bin') });
    try {
      expect(board.sim.info().address).toBe(0x2c);
      const check = await withReplSession(board.spec, 'test push', async (s) => {
        const results = await pushScripts(s.client, bundledScriptItems({ I2C_ADDRESS: '0x2d' }));
        expect(results.map((r) => [r.path, r.skipped])).toEqual([
          ['/camconfig.py', false],
          ['/main.py', true],
        ]);
        return confirmScriptRuns(s, {
          ping: async (address) => {
            const { CameraClient } = await import('../../host/src/devices/camera/camera-client.js');
            const client = new CameraClient({ bus: board.sim, address: address ?? 0, protocol: 'auto' });
            try {
              return await client.ping();
            } finally {
              client.close();
            }
          },
        });
      });
      expect(check.reset).toBe('rts');
      expect(check.output).toMatch(/rst:0x1 \(POWERON_RESET\)|rst:0x/);
      expect(check.banner).toMatch(/^esp32cam-slave\/1 \(MicroPython [\d.]+\): I2C 0x2D on SCL 12\/SDA 13/);
      expect(check.address).toBe(0x2d);
      expect(check.ping?.protocol).toBe('v2');
      expect(board.sim.info().address).toBe(0x2d);
    } finally {
      await board.close();
    }
  });

  it('--run reports a script that stops with an exception at boot, with its last line', async () => {
    const board = await simPort({ flashFile: join(dir, 'raises.bin') });
    try {
      const err = await errorOf(
        withReplSession(board.spec, 'test push', async (s) => {
          await pushScripts(s.client, [
            { remotePath: '/main.py', data: Buffer.from("print('starting')\nraise ValueError('no camera here')\n"), sourceName: 'main.py' },
          ]);
          return confirmScriptRuns(s, { expectBanner: false });
        }),
      );
      expect(err.code).toBe('E_SCRIPT_NOT_RUNNING');
      expect(err.message).toMatch(/^The script did not start after the reset: it stopped with ValueError: no camera here/);
    } finally {
      await board.close();
    }
  });

  it('a soft reset restarts MicroPython and runs main.py again without a chip reset', async () => {
    const board = await simPort({ flashFile: join(dir, 'soft.bin') });
    try {
      const r = await withReplSession(board.spec, 'test reset', (s) => resetBoard(s, 'soft', { until: /esp32cam-slave\/1 [^\n]*\n/ }));
      expect(r.how).toBe('ctrl-d');
      expect(r.output).toMatch(/soft reboot/);
      expect(r.output).not.toMatch(/rst:0x/);
      expect(r.output).toMatch(/esp32cam-slave\/1 .*I2C 0x2C/);
    } finally {
      await board.close();
    }
  });
});

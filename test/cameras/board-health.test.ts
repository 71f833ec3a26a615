/**
 * CameraClient.status() and resync() against the real slave script (device-scripts/main.py) running in real
 * MicroPython on the simulated board: the boot count kept in its NVS across resets, the health fields of
 * STATUS, and RESYNC emptying a TX ring that holds stale bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraClient } from '../../host/src/index.js';
import { packageRoot } from '../../host/src/paths.js';
import { SimulatedEsp32Cam, type SimOptions } from '../../host/src/sim/index.js';
import { v2 } from '../../protocol/src/index.js';
import { replBoard, type ReplBoard } from '../sim-repl/helpers.js';
import { tempScript } from '../sim/helpers.js';

const ADDRESS = 0x2c;
const FIELD_SCRIPT = join(packageRoot(), 'test', 'fixtures', 'legacy_slave.py');

/** This version's slave script without RESYNC, as a board still running the previous version would be. */
function scriptWithoutResync(): string {
  const dir = join(packageRoot(), 'device-scripts');
  const main = readFileSync(join(dir, 'main.py'), 'utf8');
  const older = main.replace('            OP_RESYNC: self.op_resync,\n', '');
  if (older === main) throw new Error('main.py no longer registers OP_RESYNC the way this test expects');
  return tempScript(older, { 'camconfig.py': readFileSync(join(dir, 'camconfig.py'), 'utf8') });
}

const boards: SimulatedEsp32Cam[] = [];
const repls: ReplBoard[] = [];
async function board(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
  const sim = await SimulatedEsp32Cam.start({ seed: 11, bootMs: 0, ...opts });
  boards.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all([...boards.splice(0).map((b) => b.close()), ...repls.splice(0).map((r) => r.dispose())]);
});

/** Polls until `check` passes; the deadline is a safety net for a busy machine, not a figure under test. */
async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Writes a command straight onto the bus and waits until the slave has queued `bytes` more in its ring. */
async function leaveStale(sim: SimulatedEsp32Cam, command: string | Uint8Array, bytes: number): Promise<void> {
  const before = sim.txQueued(ADDRESS);
  const buf = Buffer.from(typeof command === 'string' ? Buffer.from(command, 'latin1') : command);
  await sim.i2cWrite(ADDRESS, buf.length, buf);
  await until(() => sim.txQueued(ADDRESS) === before + bytes, `${bytes} more bytes in the ring`);
}

describe('status()', () => {
  it('reports the health fields of protocol 2 from a freshly powered board', async () => {
    const sim = await board();
    const status = await new CameraClient({ bus: sim }).status();
    expect(status).toMatchObject({
      protocol: 'v2',
      resetCause: 'PWRON_RESET',
      wdtTimeoutMs: 60_000,
      captures: 0,
      errors: 0,
      bootCount: 1,
      cameraOk: true,
      lastError: '',
    });
    expect(status.firmware).toMatch(/^esp32cam-slave\//);
    expect(status.freeHeap).toBeGreaterThan(0);
    // The board's 4 MB PSRAM heap, not what MicroPython-WASM could grow to.
    expect(status.freeHeap).toBeLessThan(4 * 1024 * 1024);
    expect(status.uptimeMs).toBeGreaterThan(0);
    expect(status.roundTripMs).toBeGreaterThan(0);
  });

  it('counts one boot more across a chip reset, kept in NVS', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    const before = await client.status();
    await sim.reset();
    const after = await client.status();
    expect(after.bootCount).toBe(before.bootCount! + 1);
    expect(after.resetCause).toBe('PWRON_RESET'); // the EN pin: the ESP32 reports it as a power-on reset
    await sim.reset();
    expect((await client.status()).bootCount).toBe(before.bootCount! + 2);
  });

  it('does not count a soft reset, which restarts the script but not the chip', async () => {
    const repl = await replBoard();
    repls.push(repl);
    const client = new CameraClient({ bus: repl.sim });
    const before = await client.status();
    // Ctrl-C stops main.py; Ctrl-D at the friendly prompt soft-resets, and main.py runs again.
    await repl.send('\r\x03');
    await repl.waitFor('>>> ');
    repl.clear();
    const softReboot = new Promise((resolve) => repl.sim.once('soft-reboot', resolve));
    await repl.send('\x04');
    await softReboot;
    await repl.waitFor(/esp32cam-slave.*camera ok/);
    const after = await client.status();
    expect(after.resetCause).toBe('SOFT_RESET');
    expect(after.bootCount).toBe(before.bootCount);
    expect(after.uptimeMs).toBeGreaterThan(before.uptimeMs!);
  });

  it('says the camera failed, and why, when camera.init failed at start', async () => {
    const sim = await board({ faults: { cameraInitFailures: 2 } });
    const status = await new CameraClient({ bus: sim }).status();
    expect(status.cameraOk).toBe(false);
    expect(status.lastError).toBe('camera: Camera Init Failed');
  });

  it('keeps the text of the last error after a failed command', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    sim.inject({ cameraFailures: 1 });
    await client.capture(); // the first attempt fails, the retry succeeds
    const status = await client.status();
    expect(status).toMatchObject({ lastError: 'capture failed', errors: 1, captures: 1, cameraOk: true });
  });

  it('pings a legacy slave and reports only the protocol and the round trip', async () => {
    const sim = await board({ script: FIELD_SCRIPT });
    const status = await new CameraClient({ bus: sim }).status();
    expect(Object.keys(status).sort()).toEqual(['protocol', 'roundTripMs']);
    expect(status.protocol).toBe('legacy');
  });
});

describe('RESYNC', () => {
  it('empties a ring full of stale bytes: the slave NACKs while it rebuilds, then holds only its OK', async () => {
    const sim = await board();
    await leaveStale(sim, 'capture', 1); // 200
    await leaveStale(sim, 'get', 103); // 201, length, 100 bytes of the photo
    await leaveStale(sim, 'ping', 1);
    expect(sim.txQueued(ADDRESS)).toBe(105);
    const request = v2.encodeRequest(0x42, v2.Op.RESYNC);
    await sim.i2cWrite(ADDRESS, request.length, Buffer.from(request));
    await until(() => sim.info().address === null, 'the slave to go away while it rebuilds');
    await until(() => sim.txQueued(ADDRESS) > 0, 'the reply in the new ring');
    expect(sim.txQueued(ADDRESS)).toBe(v2.REPLY_OVERHEAD);
    const reply = Buffer.alloc(v2.REPLY_OVERHEAD);
    await sim.i2cRead(ADDRESS, reply.length, reply);
    expect(reply).toEqual(Buffer.from(v2.encodeReply(0x42, 200)));
  });

  it('resync() gets past stale bytes and the rebuild, and the same client goes on working', async () => {
    const sim = await board();
    const client = new CameraClient({ bus: sim });
    const photo = await client.capture();
    await leaveStale(sim, 'get', 103);
    await leaveStale(sim, 'get', 103);
    await leaveStale(sim, 'ping', 1);
    await client.resync();
    expect(sim.txQueued(ADDRESS)).toBe(0);
    const status = await client.status();
    expect(status).toMatchObject({ protocol: 'v2', captures: 1, bootCount: 1 });
    expect((await client.capture()).subarray(0, 2)).toEqual(photo.subarray(0, 2));
    expect(client.protocolInUse).toBe('v2');
  });

  it('is refused by a protocol-2 script that predates it, which answers unknown op', async () => {
    const sim = await board({ script: scriptWithoutResync() });
    const client = new CameraClient({ bus: sim });
    await expect(client.resync()).rejects.toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringMatching(/unknown op 6/) });
    expect((await client.status()).protocol).toBe('v2');
  });

  it('is refused under the legacy protocol, forced or found', async () => {
    const sim = await board({ script: FIELD_SCRIPT });
    const forced = new CameraClient({ bus: sim, protocol: 'legacy' });
    await expect(forced.resync()).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
    expect(forced.busCounters.transactions).toBe(0);
    const found = new CameraClient({ bus: sim });
    await expect(found.resync()).rejects.toMatchObject({ code: 'E_UNSUPPORTED', hint: expect.stringMatching(/Reset the board/) });
    expect(found.protocolInUse).toBe('legacy');
  });
});

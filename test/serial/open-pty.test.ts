import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Esp32CamError } from '../../host/src/errors.js';
import { openSerialPort, lockFileName, type SerialPortHandle } from '../../host/src/transports/serial/index.js';
import { openError } from '../../host/src/transports/serial/open-errors.js';
import { startPtyPair, type PtyPair } from './pty-pair.js';

async function rejection(promise: Promise<unknown>): Promise<Esp32CamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Esp32CamError)) throw new Error(`expected an Esp32CamError, got ${String(err)}`);
  return err;
}

function readAll(handle: SerialPortHandle, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= length) {
        handle.port.off('data', onData);
        resolve(got);
      }
    };
    handle.port.on('data', onData);
  });
}

/** A process that keeps running until killed, and the promise of its exit. */
function holdProcess(command: string, args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(command, args, { stdio: 'ignore' });
  return { child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('openSerialPort on a real pseudo-terminal', () => {
  let dir: string;
  let lockDir: string;
  let pty: PtyPair;
  const open: SerialPortHandle[] = [];
  const children: Array<{ child: ChildProcess; exited: Promise<void> }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-pty-'));
  });
  beforeEach(async () => {
    lockDir = await mkdtemp(join(dir, 'lock-'));
    pty = await startPtyPair(join(lockDir, 'a'), join(lockDir, 'b'));
  });
  afterEach(async () => {
    for (const handle of open.splice(0)) await handle.close();
    for (const held of children.splice(0)) {
      held.child.kill('SIGKILL');
      await held.exited;
    }
    await pty.stop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const openA = async (extra: { owner?: string; lockDir?: string | null } = {}): Promise<SerialPortHandle> => {
    const handle = await openSerialPort({ path: pty.a, baudRate: 115200, lockDir, ...extra });
    open.push(handle);
    return handle;
  };

  it('opens it, tolerating that a pty has no DTR/RTS, and carries bytes both ways', async () => {
    const a = await openA();
    const b = await openSerialPort({ path: pty.b, baudRate: 115200, lockDir });
    open.push(b);
    expect(a.hasModemLines).toBe(false);
    expect(await a.setSignals({ dtr: true, rts: false })).toBe(false);
    expect(a.bridge.kind).toBe('unknown');
    expect(a.bridge.idleSignals).toEqual({ dtr: false, rts: false });
    const arriving = readAll(b, 5);
    a.port.write(Buffer.from('\xc0\x00\x08\xc0', 'latin1'));
    a.port.write(Buffer.from('A'));
    expect((await arriving).toString('latin1')).toBe('\xc0\x00\x08\xc0A');
    await a.update(460800);
    expect(a.port.baudRate).toBe(460800);
  });

  it('writes a UUCP lock file with its pid while open, and removes it on close', async () => {
    const a = await openA();
    const lockFile = join(lockDir, lockFileName(realpathSync(pty.a)));
    expect(basename(lockFile)).toMatch(/^LCK\.\.pts_\d+$/);
    expect(readFileSync(lockFile, 'latin1')).toBe(`${String(process.pid).padStart(10)}\n`);
    await a.close();
    expect(existsSync(lockFile)).toBe(false);
    expect(await a.closed).toBeUndefined();
  });

  it.skipIf(!writable('/run/lock'))('uses /run/lock by default', async () => {
    const a = await openA({ lockDir: undefined });
    const lockFile = join('/run/lock', lockFileName(realpathSync(pty.a)));
    expect(existsSync(lockFile)).toBe(true);
    await a.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses a second open in this process, by any name of the port, and allows it after close', async () => {
    const a = await openA({ owner: 'flasher' });
    const again = await rejection(openSerialPort({ path: pty.a, baudRate: 115200, lockDir }));
    expect(again.code).toBe('E_PORT_BUSY');
    expect(again.message).toBe(`${pty.a} is already open in this program (by the flasher)`);
    const byRealName = await rejection(openSerialPort({ path: realpathSync(pty.a), baudRate: 115200, lockDir }));
    expect(byRealName.code).toBe('E_PORT_BUSY');
    await a.close();
    await openA();
  });

  it('refuses a port whose lock file names a live process, naming it', async () => {
    const holder = holdProcess('sleep', ['30']);
    children.push(holder);
    const lockFile = join(lockDir, lockFileName(realpathSync(pty.a)));
    writeFileSync(lockFile, `${String(holder.child.pid).padStart(10)}\n`);
    const err = await rejection(openA());
    expect(err.code).toBe('E_PORT_BUSY');
    expect(err.message).toBe(`${pty.a} is in use by sleep (pid ${holder.child.pid})`);
    expect(err.hint).toContain(`kill ${holder.child.pid}`);
    expect(readFileSync(lockFile, 'latin1').trim()).toBe(String(holder.child.pid));
  });

  it('sends whoever a running esp32cam service holds a port from to the service, which steps aside for its own jobs', async () => {
    // A process whose command line is the service's: `node …/bin/esp32cam.js serve`.
    const holder = holdProcess(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '/opt/esp32cam-host/bin/esp32cam.js', 'serve']);
    children.push(holder);
    const lockFile = join(lockDir, lockFileName(realpathSync(pty.a)));
    writeFileSync(lockFile, `${String(holder.child.pid).padStart(10)}\n`);
    const err = await rejection(openA());
    expect(err.code).toBe('E_PORT_BUSY');
    expect(err.message).toBe(
      `${pty.a} is held by the esp32cam service (pid ${holder.child.pid}), which listens to the board's boot log while nobody else needs the port`,
    );
    expect(err.hint).toContain('/api/scripts/push');
    expect(err.hint).toContain('"bootLog": false');
  });

  it('takes over a stale lock file whose process is gone', async () => {
    const gone = spawnSync('true');
    const lockFile = join(lockDir, lockFileName(realpathSync(pty.a)));
    writeFileSync(lockFile, `${String(gone.pid).padStart(10)}\n`);
    await openA();
    expect(readFileSync(lockFile, 'latin1').trim()).toBe(String(process.pid));
  });

  it('refuses a port another program has open without any lock (a terminal, cat), naming it', async () => {
    // The shell opens the pty on fd 3 and becomes sleep, which keeps it: like screen or a serial console.
    const holder = holdProcess('sh', ['-c', `exec 3<>"${pty.a}"; exec sleep 30`]);
    children.push(holder);
    const pid = holder.child.pid as number;
    await waitFor(
      () =>
        spawnSync('ls', ['-l', `/proc/${pid}/fd`])
          .stdout.toString()
          .includes(realpathSync(pty.a)) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep',
    );
    const err = await rejection(openA());
    expect(err.code).toBe('E_PORT_BUSY');
    expect(err.message).toBe(`${pty.a} is in use by sleep (pid ${pid})`);
    expect(err.hint).toContain('fuser -v');
    // No lock file is left behind by the refused open.
    expect(existsSync(join(lockDir, lockFileName(realpathSync(pty.a))))).toBe(false);
  });

  it("maps the binding's real flock refusal (another serialport user) to E_PORT_BUSY", async () => {
    const binding = autoDetect();
    const first = await binding.open({ path: pty.a, baudRate: 115200, lock: true, hupcl: false });
    try {
      const err = await binding.open({ path: pty.a, baudRate: 115200, lock: true, hupcl: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const mapped = openError(pty.a, err);
      expect(mapped.code).toBe('E_PORT_BUSY');
      expect(mapped.message).toBe(`${pty.a} is in use by another program`);
    } finally {
      await first.close();
    }
  });

  // Root opens anything, so a real EACCES needs a child process that has dropped to nobody (root and setpriv).
  // The child opens the device with plain fs from `/`: as nobody it may not be able to read this checkout (a
  // fresh clone in a private temp folder), so it must not load anything from node_modules.
  it.skipIf(process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0)(
    'maps a real EACCES (opened as nobody) to E_PORT_PERMISSION with the dialout advice',
    async () => {
      const device = realpathSync(pty.a);
      chownSync(device, 0, 20);
      chmodSync(device, 0o660);
      const script =
        `try { require('fs').closeSync(require('fs').openSync(${JSON.stringify(device)}, 'r+')); console.log('{"opened":true}'); }` +
        ` catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], { cwd: '/', encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const failure = JSON.parse(run.stdout) as { code?: string; message?: string; opened?: boolean };
      expect(failure.code).toBe('EACCES');
      const mapped = openError(pty.a, Object.assign(new Error(failure.message), { code: failure.code }));
      expect(mapped.code).toBe('E_PORT_PERMISSION');
      expect(mapped.message).toBe(`No permission to open ${pty.a}`);
      expect(mapped.hint).toBe('Join the dialout group: sudo usermod -aG dialout $USER, then log in again.');
    },
  );

  it('reports a port that went away (the other end hung up) and releases its lock', async () => {
    const a = await openA();
    const lockFile = join(lockDir, lockFileName(realpathSync(pty.a)));
    a.port.resume();
    await pty.stop();
    const lost = await a.closed;
    expect(lost?.code).toBe('E_PORT_DISCONNECTED');
    expect(lost?.hint).toMatch(/plug the board in again/);
    expect(existsSync(lockFile)).toBe(false);
    // The same name can be opened again once the device is back.
    pty = await startPtyPair(pty.a, pty.b);
    await openA();
  });

  it('says a missing port or a file that is not a device is not a serial port', async () => {
    const missing = await rejection(openSerialPort({ path: join(dir, 'ttyUSB9'), baudRate: 115200, lockDir }));
    expect(missing.code).toBe('E_PORT_NOT_FOUND');
    expect(missing.message).toBe(`${join(dir, 'ttyUSB9')} does not exist`);
    expect(missing.hint).toMatch(/esp32cam ports/);
    const file = join(dir, 'not-a-port');
    writeFileSync(file, '');
    const notDevice = await rejection(openSerialPort({ path: file, baudRate: 115200, lockDir }));
    expect(notDevice.code).toBe('E_PORT_IO');
    expect(existsSync(join(lockDir, lockFileName(file)))).toBe(false);
  });
});

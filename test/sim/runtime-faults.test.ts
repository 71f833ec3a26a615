import { afterEach, describe, expect, it } from 'vitest';
import { recogniseBoardFault, type BoardFault } from '../../protocol/src/boot-log/board-faults.js';
import { CameraClient } from '../../host/src/devices/camera/camera-client.js';
import { parseRuntimeFault, RUNTIME_FAULT_KINDS, SimFs, SimI2cBus, SimulatedEsp32Cam, type FaultEvent, type SimOptions } from '../../host/src/sim/index.js';
import { LineSplitter } from '../../host/src/sim/line-splitter.js';
import { outcome, read, waitFor, write } from './helpers.js';

// The real slave script (device-scripts/main.py). Its watchdog is fed by commands only, so the tests that
// starve it on purpose shorten it; the others keep the script's 60 s.
const OPTIONS: SimOptions = { bootMs: 50 };
const ADDRESS = 0x2c;

const boards: SimulatedEsp32Cam[] = [];
let wire: SimI2cBus | undefined;
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
  await wire?.close();
  wire = undefined;
});

async function start(opts: SimOptions = {}): Promise<SimulatedEsp32Cam> {
  const board = await SimulatedEsp32Cam.start({ ...OPTIONS, ...opts });
  boards.push(board);
  return board;
}

/** Everything the board's UART sends (ROM, bootloader, MicroPython), as lines. */
function uartLines(board: SimulatedEsp32Cam): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  board.serial.on('uart-out', (chunk: Uint8Array) => splitter.push(chunk));
  return lines;
}

function recognised(lines: string[]): BoardFault[] {
  return lines.map((l) => recogniseBoardFault(l)).filter((f): f is BoardFault => f !== undefined);
}

function events(board: SimulatedEsp32Cam): { reboots: string[]; faults: FaultEvent[]; console: string[] } {
  const out = { reboots: [] as string[], faults: [] as FaultEvent[], console: [] as string[] };
  board.on('reboot', (e: { cause: string }) => out.reboots.push(e.cause));
  board.on('fault', (e: FaultEvent) => out.faults.push(e));
  board.on('console', (l: string) => out.console.push(l));
  return out;
}

function client(board: SimulatedEsp32Cam | SimI2cBus, address = ADDRESS, commandTimeoutMs = 1500): CameraClient {
  return new CameraClient({ bus: board, address, protocol: 'auto', commandTimeoutMs });
}

/** Polls STATUS until the slave answers (after a reset the address NACKs for a while). */
async function statusWhenUp(cam: CameraClient): Promise<Awaited<ReturnType<CameraClient['status']>>> {
  let last: unknown;
  const ok = await waitFor(
    async () => {
      try {
        last = await cam.status();
        return true;
      } catch {
        return false;
      }
    },
    30_000,
    50,
  );
  if (!ok) throw new Error('the slave never answered STATUS');
  return last as Awaited<ReturnType<CameraClient['status']>>;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('run-time faults: validation', () => {
  it('parses each kind with its defaults and refuses bad input with a hint', () => {
    expect(RUNTIME_FAULT_KINDS.map((k) => k.kind)).toEqual([
      'reboot',
      'hang',
      'brownout',
      'camera-init',
      'lost-script',
      'bus-stuck',
      'desync',
      'invalid-header',
      'no-psram',
    ]);
    expect(parseRuntimeFault('reboot')).toEqual({ kind: 'reboot', cause: 'watchdog' });
    expect(parseRuntimeFault('reboot', { cause: 'panic' })).toEqual({ kind: 'reboot', cause: 'panic' });
    expect(parseRuntimeFault('hang', { seconds: 30 })).toEqual({ kind: 'hang', seconds: 30 });
    expect(parseRuntimeFault('brownout')).toEqual({ kind: 'brownout', count: 3 });
    expect(parseRuntimeFault('camera-init')).toEqual({ kind: 'camera-init', count: 1 });
    expect(parseRuntimeFault('bus-stuck')).toEqual({ kind: 'bus-stuck', seconds: null });
    expect(parseRuntimeFault('invalid-header', { count: 2 })).toEqual({ kind: 'invalid-header', count: 2 });
    for (const [kind, args, what] of [
      ['melt', {}, 'Unknown simulator fault "melt"'],
      ['hang', {}, 'needs its length'],
      ['hang', { seconds: 0 }, 'seconds=0'],
      ['hang', { seconds: 3601 }, 'seconds=3601'],
      ['hang', { seconds: 1.5 }, 'seconds=1.5'],
      ['brownout', { seconds: 3 }, 'takes no seconds'],
      ['reboot', { cause: 'meteor' }, '"meteor"'],
      ['desync', { count: 1 }, 'takes no count'],
    ] as const) {
      let err: unknown;
      try {
        parseRuntimeFault(kind, args);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'E_BAD_INPUT' });
      expect((err as Error).message).toContain(what);
      expect((err as { hint: string }).hint.length).toBeGreaterThan(0);
    }
  });

  it('a board refuses a bad fault object before doing anything', async () => {
    const board = await start({ seed: 60 });
    const seen = events(board);
    expect(() => board.fault({ kind: 'hang', seconds: -1 })).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }) as Error);
    expect(() => board.fault({ kind: 'nope' } as never)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }) as Error);
    expect(seen.faults).toEqual([]);
    expect((await statusWhenUp(client(board))).resetCause).toBe('PWRON_RESET');
  });
});

describe('run-time faults on the simulated ESP32-CAM running the real slave script', () => {
  it('reboot (watchdog): the task watchdog panic, a restart with WDT_RESET, and the slave back', async () => {
    const board = await start({ seed: 61 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'reboot', cause: 'watchdog' });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    expect(seen.reboots).toEqual(['WDT_RESET']);
    expect(seen.faults).toEqual([{ kind: 'reboot', cause: 'watchdog', phase: 'injected' }]);
    cam.resetSession();
    expect((await statusWhenUp(cam)).resetCause).toBe('WDT_RESET');
    const kinds = recognised(lines).map((f) => f.kind);
    expect(kinds).toContain('task-watchdog');
    expect(kinds).toContain('backtrace');
    expect(lines).toContain('rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)');
    // The board's own console view carries the panic too.
    expect(recognised(seen.console).map((f) => f.kind)).toContain('task-watchdog');
  });

  it('reboot (panic): a Guru Meditation Error with its backtrace, then HARD_RESET', async () => {
    const board = await start({ seed: 62 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'reboot', cause: 'panic' });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    cam.resetSession();
    expect((await statusWhenUp(cam)).resetCause).toBe('HARD_RESET');
    const faults = recognised(lines);
    expect(faults).toContainEqual(expect.objectContaining({ kind: 'panic', core: 1, reason: 'LoadProhibited' }));
    const backtrace = faults.find((f) => f.kind === 'backtrace');
    expect(backtrace && backtrace.kind === 'backtrace' ? backtrace.frames.length : 0).toBeGreaterThan(1);
    expect(seen.reboots).toEqual(['HARD_RESET']);
  });

  it('reboot (power): EN pulled low, POWERON_RESET', async () => {
    const board = await start({ seed: 63 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'reboot', cause: 'power' });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    cam.resetSession();
    expect((await statusWhenUp(cam)).resetCause).toBe('PWRON_RESET');
    expect(lines).toContain('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)');
    expect(recognised(lines)).toEqual([]);
  });

  it('hang shorter than the watchdog: ACKed but unanswered, then the slave answers again without a reset', async () => {
    const board = await start({ seed: 64, configOverrides: { WDT_TIMEOUT_MS: 6000 } });
    const cam = client(board);
    const before = await statusWhenUp(cam);
    const seen = events(board);
    board.fault({ kind: 'hang', seconds: 2 });
    // The hardware still acknowledges the address; the frozen script answers nothing.
    expect(await outcome(write(board, Buffer.from('ping')))).toBe('ok');
    expect(await failure(client(board, ADDRESS, 800).status())).toBe('E_TIMEOUT');
    expect(await waitFor(() => seen.faults.some((f) => f.kind === 'hang' && f.phase === 'ended'))).toBe(true);
    const after = await statusWhenUp(client(board));
    expect(after.resetCause).toBe(before.resetCause);
    expect(after.uptimeMs).toBeGreaterThan(before.uptimeMs ?? 0);
    expect(seen.reboots).toEqual([]);
    expect(recognised(seen.console)).toEqual([]);
  });

  it('hang longer than the watchdog: the watchdog bites and the board comes back with WDT_RESET', async () => {
    const board = await start({ seed: 65, configOverrides: { WDT_TIMEOUT_MS: 2000 } });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'hang', seconds: 30 });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    expect(seen.reboots).toEqual(['WDT_RESET']);
    // The reset ended the hang long before its 30 s.
    expect(seen.faults.map((f) => f.phase)).toEqual(['injected', 'ended']);
    cam.resetSession();
    expect((await statusWhenUp(cam)).resetCause).toBe('WDT_RESET');
    expect(recognised(lines).map((f) => f.kind)).toContain('task-watchdog');
  });

  it('brownout: a reset loop for the given number of boots, each with the detector line, then a normal boot', async () => {
    const board = await start({ seed: 66 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'brownout', count: 2 });
    expect(await waitFor(() => seen.reboots.length === 2)).toBe(true);
    cam.resetSession();
    // STATUS answers only after the point where a brownout would have tripped: the loop is over.
    expect((await statusWhenUp(cam)).resetCause).toBe('PWRON_RESET');
    expect(seen.reboots).toEqual(['PWRON_RESET', 'PWRON_RESET']);
    expect(seen.faults.filter((f) => f.phase === 'tripped')).toHaveLength(2);
    expect(recognised(lines).filter((f) => f.kind === 'brownout')).toHaveLength(2);
    // The detector's interrupt restarts the chip in software (ESP-IDF brownout.c), so the ROM says SW_CPU_RESET.
    expect(lines.filter((l) => l.startsWith('rst:0xc (SW_CPU_RESET)'))).toHaveLength(2);
  });

  it('camera-init: the board resets, the sensor fails its probe, and the slave reports the camera unusable', async () => {
    const board = await start({ seed: 67 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'camera-init' });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    cam.resetSession();
    const status = await statusWhenUp(cam);
    expect(status.cameraOk).toBe(false);
    expect(await failure(cam.capture())).toBe('E_CAMERA_FAILED');
    const faults = recognised(lines);
    expect(faults).toContainEqual(expect.objectContaining({ kind: 'camera-probe', code: 0x105 }));
    expect(faults.map((f) => f.kind)).toContain('camera-init');
    expect(seen.console.some((l) => l.startsWith('camera unusable'))).toBe(true);
    // One boot only: the next reset finds the sensor again.
    await board.reset();
    cam.resetSession();
    expect((await statusWhenUp(cam)).cameraOk).toBe(true);
    expect((await cam.capture()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('lost-script: main.py is gone from the flash, the address NACKs, the REPL still answers', async () => {
    const board = await start({ seed: 68 });
    await statusWhenUp(client(board));
    const lines = uartLines(board);
    const seen = events(board);
    const repl = new Promise((r) => board.once('repl', r));
    board.fault({ kind: 'lost-script' });
    await repl;
    expect(SimFs.load(board.serial.flash).files.has('/main.py')).toBe(false);
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
    board.serial.receive(Buffer.from('print(6 * 7)\r'));
    expect(await waitFor(() => lines.includes('42'))).toBe(true);
    // It stays lost across resets, as a deleted file does.
    await board.reset();
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
    expect(seen.reboots).toEqual(['PWRON_RESET', 'PWRON_RESET']);
  });

  it('bus-stuck: the whole wire is garbled for every board on it until the time is up or the stuck chip resets', async () => {
    wire = new SimI2cBus(400_000);
    const stuck = await start({ seed: 69, i2cBus: wire });
    const other = await start({ seed: 70, i2cBus: wire, configOverrides: { I2C_ADDRESS: 0x2d } });
    const camA = client(wire, ADDRESS);
    const camB = client(wire, 0x2d);
    await statusWhenUp(camA);
    await statusWhenUp(camB);
    const seen = events(stuck);

    stuck.fault({ kind: 'bus-stuck', seconds: 3 });
    // SDA low reads as an ACK from any address, and as 0x00 data.
    expect(await outcome(write(other, Buffer.from('x'), 0x51))).toBe('ok');
    expect([...(await read(other, 4, 0x2d))]).toEqual([0, 0, 0, 0]);
    expect(await failure(camB.status())).toBe('E_TIMEOUT');
    expect(await waitFor(() => seen.faults.some((f) => f.kind === 'bus-stuck' && f.phase === 'ended'))).toBe(true);
    camB.resetSession();
    await statusWhenUp(camB);

    stuck.fault({ kind: 'bus-stuck' });
    expect(await failure(camB.status())).toBe('E_TIMEOUT');
    // Resetting the other board does not help; resetting the one holding SDA does.
    await other.reset();
    expect([...(await read(other, 2, 0x2d))]).toEqual([0, 0]);
    await stuck.reset();
    expect(await outcome(read(other, 1, 0x51))).toBe('EREMOTEIO');
    camB.resetSession();
    await statusWhenUp(camB);
  });

  it('desync: every reply arrives one byte late until RESYNC rebuilds the slave', async () => {
    const board = await start({ seed: 71 });
    const cam = client(board);
    await statusWhenUp(cam);
    // Legacy one-byte answers make the shift plain: an unknown command answers 100, ping answers 200.
    const ask = async (command: string): Promise<number> => {
      await write(board, Buffer.from(command));
      expect(await waitFor(() => board.txQueued(ADDRESS) === 1)).toBe(true);
      return (await read(board, 1))[0]!;
    };
    expect(await ask('zz')).toBe(0x64);
    board.fault({ kind: 'desync' });
    // The byte sent last comes out again, and the new answer stays behind it...
    expect(await ask('ping')).toBe(0x64);
    expect([...(await read(board, 1))]).toEqual([0x64]);
    // ...until the next answer pushes it out, itself held back in turn.
    expect(await ask('zz')).toBe(0xc8);
    expect(await failure(cam.status())).not.toBe('ok');
    // RESYNC makes the script rebuild its slave, which realigns it (the client may not make sense of the
    // late reply to RESYNC itself; what matters is what comes after).
    await cam.resync().catch(() => undefined);
    cam.resetSession();
    expect((await statusWhenUp(cam)).protocol).toBe('v2');
    expect(await ask('ping')).toBe(0xc8);
    expect(board.info().resetCause).toBe('PWRON_RESET');
  });

  it('invalid-header: the ROM loops on invalid header 0xffffffff, and boots the app once the fault is gone', async () => {
    const board = await start({ seed: 72 });
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'invalid-header' });
    expect(await waitFor(() => lines.filter((l) => l === 'invalid header: 0xffffffff').length >= 3)).toBe(true);
    const loop = recognised(lines);
    expect(loop.length).toBeGreaterThanOrEqual(3);
    expect(loop.every((f) => f.kind === 'invalid-header' && f.word === '0xffffffff')).toBe(true);
    expect(await outcome(read(board, 1))).toBe('EREMOTEIO');
    expect(board.serial.state).toBe('boot-loop');
    // The wiring comes off GPIO12: the ROM's own watchdog reset ends this loop and the app starts.
    board.clearFaults();
    expect(await waitFor(() => seen.reboots.length > 0)).toBe(true);
    await statusWhenUp(client(board));
    expect(lines).toContain('rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)');
  });

  it('invalid-header with a count: the loop lasts that many boots', async () => {
    const board = await start({ seed: 73 });
    const lines = uartLines(board);
    const booted = new Promise((r) => board.once('reboot', r));
    board.fault({ kind: 'invalid-header', count: 1 });
    await booted;
    await statusWhenUp(client(board));
    expect(lines.filter((l) => l.startsWith('rst:'))).toEqual([
      'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
      'rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
    ]);
  });

  it('no-psram: the boot prints the PSRAM error, the camera falls back to a DRAM frame buffer and still works', async () => {
    const board = await start({ seed: 74 });
    const cam = client(board);
    await statusWhenUp(cam);
    const lines = uartLines(board);
    const seen = events(board);
    board.fault({ kind: 'no-psram' });
    expect(await waitFor(() => seen.reboots.length === 1)).toBe(true);
    cam.resetSession();
    expect((await statusWhenUp(cam)).cameraOk).toBe(true);
    expect((await cam.capture()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const kinds = recognised(lines).map((f) => f.kind);
    expect(kinds[0]).toBe('no-psram');
    // The script's first camera.init asks for a PSRAM frame buffer, which fails; its retry in DRAM works.
    expect(kinds).toContain('camera-init');
    expect(seen.console.some((l) => l.startsWith('camera unusable'))).toBe(false);
  });

  it('clearFaults drops a pending brownout loop', async () => {
    const board = await start({ seed: 75 });
    const cam = client(board);
    await statusWhenUp(cam);
    const seen = events(board);
    board.fault({ kind: 'brownout', count: 50 });
    expect(await waitFor(() => seen.reboots.length >= 1)).toBe(true);
    board.clearFaults();
    cam.resetSession();
    await statusWhenUp(cam);
    const trips = seen.faults.filter((f) => f.phase === 'tripped').length;
    expect(trips).toBeLessThanOrEqual(2);
    expect(seen.reboots.length).toBe(trips);
  });
});

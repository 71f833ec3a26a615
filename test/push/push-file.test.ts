import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { pushFile } from '../../host/src/devices/push/index.js';
import type { PushProgress } from '../../host/src/devices/push/index.js';
import { bigScript, errorOf, startBoard, type TestBoard } from './board.js';

const open: TestBoard[] = [];
async function board(rawPaste: boolean): Promise<TestBoard> {
  const b = await startBoard(rawPaste);
  open.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.uart.close()));
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const chunkWrites = (b: TestBoard): number => b.uart.execLog.filter((c) => c.startsWith('_ef.write(')).length;

describe.each([
  ['raw-paste', true],
  ['plain raw (board answers R\\x00)', false],
])('pushFile through MicroPython-WASM, %s', (_name, rawPaste) => {
  it('pushes a 20 KB script byte-exact through a temp file, within 1.4x of its size on the wire', async () => {
    const b = await board(rawPaste);
    await b.client.enterRaw();
    const script = bigScript(20 * 1024, 'first');
    const phases: PushProgress['phase'][] = [];
    const before = b.uart.bytesFromHost;
    const r = await pushFile(b.client, script, 'main.py', { onProgress: (p) => phases.push(p.phase) });
    const onWire = b.uart.bytesFromHost - before;

    expect(r).toMatchObject({ path: '/main.py', skipped: false, bytes: script.length, sha256: sha(script), verifiedBy: 'sha256' });
    expect(b.client.lastExecPath).toBe(rawPaste ? 'raw-paste' : 'raw');
    expect(await b.readFile('/main.py')).toEqual(script);
    expect(await b.listDir('/')).not.toContain('main.py.tmp');
    // The data went into the temp file, and only a rename put it in place.
    expect(b.uart.execLog.find((c) => c.includes("open('/main.py.tmp','wb')"))).toBeDefined();
    expect(b.uart.execLog.find((c) => c.includes("os.rename('/main.py.tmp','/main.py')"))).toBeDefined();
    expect(chunkWrites(b)).toBe(Math.ceil(script.length / 4096));
    expect(phases[0]).toBe('check');
    expect(phases.at(-1)).toBe('done');
    expect(b.uart.overruns).toEqual([]);

    const ratio = onWire / script.length;
    console.log(`[push ${rawPaste ? 'raw-paste' : 'raw'}] ${script.length} file bytes, ${onWire} bytes to the board (${ratio.toFixed(3)}x; push code alone ${r.wireBytes}, ${(r.wireBytes / script.length).toFixed(3)}x)`);
    expect(ratio).toBeLessThanOrEqual(1.4);
    expect(r.wireBytes).toBeLessThanOrEqual(onWire);
  });

  it('skips a file the board already holds, re-sends it with force, and replaces a changed one', async () => {
    const b = await board(rawPaste);
    const first = bigScript(6000, 'one');
    await pushFile(b.client, first, '/main.py');
    const writes = chunkWrites(b);

    const again = await pushFile(b.client, first, '/main.py');
    expect(again).toMatchObject({ skipped: true, sha256: sha(first) });
    expect(chunkWrites(b)).toBe(writes);

    const forced = await pushFile(b.client, first, '/main.py', { force: true });
    expect(forced.skipped).toBe(false);
    expect(chunkWrites(b)).toBe(writes + 2);

    const second = bigScript(3000, 'two');
    const changed = await pushFile(b.client, second, 'main.py');
    expect(changed.skipped).toBe(false);
    expect(await b.readFile('/main.py')).toEqual(second);
    expect(await b.listDir('/')).toEqual(expect.not.arrayContaining(['main.py.tmp']));
  });

  it('pushes binary data files unchanged, and creates the folders of a nested path', async () => {
    const b = await board(rawPaste);
    const data = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
    const r = await pushFile(b.client, data, 'lib/assets/table.bin');
    expect(r.path).toBe('/lib/assets/table.bin');
    expect(await b.readFile('/lib/assets/table.bin')).toEqual(data);
    expect(await b.listDir('/lib/assets')).toEqual(['table.bin']);
    const empty = await pushFile(b.client, new Uint8Array(0), 'empty.txt');
    expect(empty.skipped).toBe(false);
    expect(await b.readFile('/empty.txt')).toEqual(Buffer.alloc(0));
  });

  it('checks by reading the file back where hashlib has no sha256', async () => {
    const b = await board(rawPaste);
    // A firmware without sha256: the import finds a hashlib module that lacks it.
    const r0 = await b.client.exec("import sys\nclass _NoSha:\n pass\nsys.modules['hashlib']=_NoSha\n");
    expect(r0.error).toBeUndefined();
    const script = bigScript(5000, 'nohash');
    const r = await pushFile(b.client, script, 'main.py');
    expect(r).toMatchObject({ skipped: false, verifiedBy: 'readback' });
    expect(await b.readFile('/main.py')).toEqual(script);
    const again = await pushFile(b.client, script, 'main.py');
    expect(again).toMatchObject({ skipped: true, verifiedBy: 'readback' });
  });

  it('refuses a syntax error with file:line before anything is sent', async () => {
    const b = await board(rawPaste);
    const bad = Buffer.from('import machine\n\ndef loop(:\n    pass\n');
    const err = await errorOf(pushFile(b.client, bad, 'main.py', { sourceName: 'device-scripts/main.py' }));
    expect(err.code).toBe('E_SCRIPT_SYNTAX');
    expect(err.message).toMatch(/^device-scripts\/main\.py:3: SyntaxError/);
    expect(b.uart.bytesFromHost).toBe(0);
  });

  it('refuses bad device names and binary .py files before anything is sent', async () => {
    const b = await board(rawPaste);
    const ok = Buffer.from('x = 1\n');
    for (const name of ['"a.py', "it's.py", '../x.py', 'lib/../../x.py', 'ünïcode.py', 'a\\b.py', 'tab\tname.py', '', '/', 'x'.repeat(200) + '.py']) {
      const err = await errorOf(pushFile(b.client, ok, name));
      expect({ name, code: err.code }).toEqual({ name, code: 'E_BAD_INPUT' });
      expect(err.hint).not.toBe('');
    }
    const withNul = await errorOf(pushFile(b.client, Buffer.from('x = 1\n\0\0\x01\x02'), 'main.py'));
    expect(withNul).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('NUL') });
    const notUtf8 = await errorOf(pushFile(b.client, Buffer.from([0x78, 0x3d, 0x31, 0x0a, 0xff, 0xfe, 0x80]), 'main.py'));
    expect(notUtf8).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('UTF-8') });
    expect(b.uart.bytesFromHost).toBe(0);
  });

  it('on a full filesystem removes the temp file and keeps the old file', async () => {
    const b = await board(rawPaste);
    const old = bigScript(3000, 'old');
    await pushFile(b.client, old, 'main.py');
    // The WASM filesystem has no size limit, so the board's open() is wrapped to fail the way a full
    // ESP32 filesystem does: OSError(28) (ENOSPC) once a file being written passes 4 KB.
    const wrap = await b.client.exec(
      [
        '_real_open = open',
        'class _Full:',
        ' def __init__(self, f):',
        '  self.f = f',
        '  self.n = 0',
        ' def write(self, d):',
        '  self.n += len(d)',
        '  if self.n > 4096:',
        '   raise OSError(28)',
        '  return self.f.write(d)',
        ' def close(self):',
        '  self.f.close()',
        'def open(p, m="r"):',
        ' f = _real_open(p, m)',
        ' return _Full(f) if "w" in m else f',
        '',
      ].join('\n'),
    );
    expect(wrap.error).toBeUndefined();
    const err = await errorOf(pushFile(b.client, bigScript(10_000, 'new'), 'main.py'));
    expect(err.code).toBe('E_DEVICE_FS_FULL');
    expect(err.message).toContain('/main.py');
    expect(await b.readFile('/main.py')).toEqual(old);
    expect(await b.listDir('/')).not.toContain('main.py.tmp');
  });

  it('fails with E_PORT_DISCONNECTED when the port goes away mid-push, and the old file stays', async () => {
    const b = await board(rawPaste);
    const old = bigScript(2000, 'before-unplug');
    await pushFile(b.client, old, 'main.py');
    const fsBefore = await b.readFile('/main.py');
    const err = await errorOf(
      pushFile(b.client, bigScript(20_000, 'unplugged'), 'main.py', {
        onProgress: (p) => {
          if (p.phase === 'write' && p.sent >= 8192) b.uart.stream.destroy();
        },
      }),
    );
    expect(err.code).toBe('E_PORT_DISCONNECTED');
    expect(fsBefore).toEqual(old);
  });
});

describe('pushFile and the watchdog', () => {
  it('the session feeds the watchdog between the steps of a push when a feed is due', async () => {
    const b = await startBoard(true, { maintenanceWindowMs: 120_000, feedEveryMs: 0 });
    open.push(b);
    const script = bigScript(12_000, 'fed');
    await pushFile(b.client, script, 'main.py');
    const steps = b.uart.execLog.map((c) => (c.includes('_esp32cam_wdt') ? 'feed' : c.startsWith('_ef.write(') ? 'chunk' : 'other'));
    // Every chunk write is preceded by a feed: no step of the push runs on a watchdog that may be about to bite.
    steps.forEach((s, i) => {
      if (s === 'chunk') expect(steps[i - 1]).toBe('feed');
    });
    expect(steps.filter((s) => s === 'chunk')).toHaveLength(Math.ceil(script.length / 4096));
    const log = await b.client.exec('import machine\nprint(machine.WDT.log[0], len(machine.WDT.log))');
    expect(log.stdout).toMatch(/^\('new', 120000\) \d+/);
  });
});

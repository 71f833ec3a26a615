import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFile } from '../../host/src/devices/push/index.js';
import type { PushProgress } from '../../host/src/devices/push/index.js';
import { bigScript, errorOf, startBoard, type TestBoard } from './board.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const chunkWrites = (b: TestBoard): number => b.execs.filter((e) => e.code.startsWith('_ef.write(')).length;

describe.each([
  ['raw-paste', true],
  ['plain raw (board answers R\\x00)', false],
])('pushFile to the simulated board, %s', (_name, rawPaste) => {
  // One board for the describe; 128 KB of filesystem, so a test can fill it for real.
  let b: TestBoard;
  beforeAll(async () => {
    b = await startBoard({ rawPaste, fsCapacityBytes: 128 * 1024 });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('pushes a 20 KB script byte-exact through a temp file, within 1.4x of its size on the wire', async () => {
    await b.client.enterRaw();
    const script = bigScript(20 * 1024, 'first');
    const phases: PushProgress['phase'][] = [];
    const before = b.bytesFromHost();
    const firstExec = b.execs.length;
    const r = await pushFile(b.client, script, 'main.py', { onProgress: (p) => phases.push(p.phase) });
    const onWire = b.bytesFromHost() - before;

    expect(r).toMatchObject({ path: '/main.py', skipped: false, bytes: script.length, sha256: sha(script), verifiedBy: 'sha256' });
    expect(b.client.lastExecPath).toBe(rawPaste ? 'raw-paste' : 'raw');
    expect(b.execs.slice(firstExec).every((e) => e.how === (rawPaste ? 'raw-paste' : 'raw'))).toBe(true);
    expect(b.readFile('/main.py')).toEqual(script);
    expect(b.listDir('/')).not.toContain('main.py.tmp');
    // The data went into the temp file, and only a rename put it in place.
    expect(b.execs.find((e) => e.code.includes("open('/main.py.tmp','wb')"))).toBeDefined();
    expect(b.execs.find((e) => e.code.includes("os.rename('/main.py.tmp','/main.py')"))).toBeDefined();
    expect(chunkWrites(b)).toBe(Math.ceil(script.length / 4096));
    expect(phases[0]).toBe('check');
    expect(phases.at(-1)).toBe('done');
    expect(b.board.sim.pasteOverruns).toBe(0);

    const ratio = onWire / script.length;
    console.log(
      `[push ${rawPaste ? 'raw-paste' : 'raw'}] ${script.length} file bytes, ${onWire} bytes to the board (${ratio.toFixed(3)}x; push code alone ${r.wireBytes}, ${(r.wireBytes / script.length).toFixed(3)}x)`,
    );
    expect(ratio).toBeLessThanOrEqual(1.4);
    expect(r.wireBytes).toBeLessThanOrEqual(onWire);
  });

  it('skips a file the board already holds, re-sends it with force, and replaces a changed one', async () => {
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
    expect(b.readFile('/main.py')).toEqual(second);
    expect(b.listDir('/')).not.toContain('main.py.tmp');
  });

  it('pushes binary data files unchanged, and creates the folders of a nested path', async () => {
    const data = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
    const r = await pushFile(b.client, data, 'lib/assets/table.bin');
    expect(r.path).toBe('/lib/assets/table.bin');
    expect(b.readFile('/lib/assets/table.bin')).toEqual(data);
    expect(b.listDir('/lib/assets')).toEqual(['table.bin']);
    const empty = await pushFile(b.client, new Uint8Array(0), 'empty.txt');
    expect(empty.skipped).toBe(false);
    expect(b.readFile('/empty.txt')).toEqual(Buffer.alloc(0));
  });

  it('checks by reading the file back where hashlib has no sha256', async () => {
    // A firmware without sha256: the import finds a hashlib module that lacks it.
    const r0 = await b.client.exec("import sys\nclass _NoSha:\n pass\nsys.modules['hashlib']=_NoSha\n");
    expect(r0.error).toBeUndefined();
    const script = bigScript(5000, 'nohash');
    const r = await pushFile(b.client, script, 'main.py');
    expect(r).toMatchObject({ skipped: false, verifiedBy: 'readback' });
    expect(b.readFile('/main.py')).toEqual(script);
    const again = await pushFile(b.client, script, 'main.py');
    expect(again).toMatchObject({ skipped: true, verifiedBy: 'readback' });
    // A fresh VM (the filesystem stays) has its hashlib back for the tests after this one.
    await b.client.softReset();
    expect((await b.client.exec("import hashlib\nprint(hasattr(hashlib, 'sha256'))")).stdout).toBe('True\r\n');
  });

  it('refuses a syntax error with file:line before anything is sent', async () => {
    const before = b.bytesFromHost();
    const bad = Buffer.from('import machine\n\ndef loop(:\n    pass\n');
    const err = await errorOf(pushFile(b.client, bad, 'main.py', { sourceName: 'device-scripts/main.py' }));
    expect(err.code).toBe('E_SCRIPT_SYNTAX');
    expect(err.message).toMatch(/^device-scripts\/main\.py:3: SyntaxError/);
    expect(b.bytesFromHost()).toBe(before);
  });

  it('refuses bad device names and binary .py files before anything is sent', async () => {
    const before = b.bytesFromHost();
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
    expect(b.bytesFromHost()).toBe(before);
  });

  it('on a full filesystem removes the temp file and keeps the old file', async () => {
    const old = bigScript(3000, 'old');
    await pushFile(b.client, old, 'main.py');
    // Fill the board's filesystem until two 4 KB blocks are left: the new file needs three.
    const fill = await b.client.exec(
      "import os\nfree = os.statvfs('/')[3] - 2\nf = open('/filler.bin', 'wb')\nf.write(bytes(4096 * free))\nf.close()\nprint(os.statvfs('/')[3])",
    );
    expect(fill).toMatchObject({ error: undefined, stdout: '2\r\n' });
    const err = await errorOf(pushFile(b.client, bigScript(10_000, 'new'), 'main.py'));
    expect(err.code).toBe('E_DEVICE_FS_FULL');
    expect(err.message).toContain('/main.py');
    expect(b.readFile('/main.py')).toEqual(old);
    expect(b.listDir('/')).not.toContain('main.py.tmp');
    expect((await b.client.exec("import os\nos.remove('/filler.bin')\nprint(os.statvfs('/')[3] > 2)")).stdout).toBe('True\r\n');
  });

  it('the session feeds the watchdog between the steps of a push when a feed is due', async () => {
    const client = b.newClient({ maintenanceWindowMs: 120_000, feedEveryMs: 0 });
    // A fresh VM drops the last session's WDT object (not the timer): this session makes its own.
    await client.softReset();
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(120_000);
    const first = b.execs.length;
    const script = bigScript(9_000, 'fed');
    await pushFile(client, script, 'main.py');
    const steps = b.execs.slice(first).map((e) => (e.code.includes('_esp32cam_wdt') ? 'feed' : e.code.startsWith('_ef.write(') ? 'chunk' : 'other'));
    expect(steps[0]).toBe('feed');
    // Every chunk write is preceded by a feed: no step of the push runs on a watchdog that may be about to bite.
    steps.forEach((s, i) => {
      if (s === 'chunk') expect(steps[i - 1]).toBe('feed');
    });
    expect(steps.filter((s) => s === 'chunk')).toHaveLength(Math.ceil(script.length / 4096));
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(120_000);
    expect(b.readFile('/main.py')).toEqual(script);
  });

  it('fails with E_PORT_DISCONNECTED when the board is unplugged mid-push, and the old file stays', async () => {
    const old = bigScript(2000, 'before-unplug');
    await pushFile(b.client, old, 'main.py');
    const err = await errorOf(
      pushFile(b.client, bigScript(13_000, 'unplugged'), 'main.py', {
        onProgress: (p) => {
          if (p.phase === 'write' && p.sent >= 4096) b.board.sim.serial.unplug();
        },
      }),
    );
    expect(err.code).toBe('E_PORT_DISCONNECTED');
    b.board.sim.serial.plug();
    expect(b.readFile('/main.py')).toEqual(old);
    expect(b.listDir('/')).toContain('main.py');
  });
});

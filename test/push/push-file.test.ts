import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DEFLATED_BYTES, PUSH_CHUNK_BYTES, pushFile } from '../../host/src/devices/push/index.js';
import type { PushProgress } from '../../host/src/devices/push/index.js';
import { deviceScriptsDir } from '../../host/src/paths.js';
import { bigScript, errorOf, startBoard, type TestBoard } from './board.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const isChunk = (code: string): boolean => code.startsWith('_ef.write(') || code.startsWith('_ew(');
const chunkWrites = (b: TestBoard): number => b.execs.filter((e) => isChunk(e.code)).length;
/** Real code, not a generated file that compresses far better than any script does. */
const realScript = (): Buffer => readFileSync(join(deviceScriptsDir(), 'main.py'));
/** A board whose firmware has no deflate module (built without MICROPY_PY_DEFLATE): the import finds no DeflateIO. */
const DROP_DEFLATE = "import sys\nclass _NoDeflate:\n pass\nsys.modules['deflate']=_NoDeflate\n";

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

  it('pushes the real slave script deflated, byte-exact through a temp file, in one write exec and well under its size on the wire', async () => {
    await b.client.enterRaw();
    const script = realScript();
    const phases: PushProgress['phase'][] = [];
    const before = b.bytesFromHost();
    const firstExec = b.execs.length;
    const r = await pushFile(b.client, script, 'main.py', { onProgress: (p) => phases.push(p.phase) });
    const onWire = b.bytesFromHost() - before;

    expect(r).toMatchObject({ path: '/main.py', skipped: false, bytes: script.length, sha256: sha(script), verifiedBy: 'sha256', encoding: 'deflate' });
    expect(b.client.lastExecPath).toBe(rawPaste ? 'raw-paste' : 'raw');
    const ran = b.execs.slice(firstExec);
    expect(ran.every((e) => e.how === (rawPaste ? 'raw-paste' : 'raw'))).toBe(true);
    expect(b.readFile('/main.py')).toEqual(script);
    expect(b.listDir('/')).not.toContain('main.py.tmp');
    // The data went into the temp file, inflated by the board, and only a rename after the hash check put it in place.
    expect(ran.find((e) => e.code.includes("open('/main.py.tmp','wb')"))).toBeDefined();
    const writes = ran.filter((e) => isChunk(e.code));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.code.startsWith('_ew(')).toBe(true);
    const verify = ran.find((e) => e.code.includes("os.rename('/main.py.tmp','/main.py')"));
    expect(verify?.code).toContain(sha(script));
    // check, open, write, verify-and-rename
    expect(ran).toHaveLength(4);
    expect(phases[0]).toBe('check');
    expect(phases.at(-1)).toBe('done');
    expect(b.board.sim.pasteOverruns).toBe(0);

    const ratio = onWire / script.length;
    console.log(
      `[push ${rawPaste ? 'raw-paste' : 'raw'}] device-scripts/main.py: ${script.length} file bytes, ${onWire} bytes to the board (${ratio.toFixed(3)}x; push code alone ${r.wireBytes}, ${(r.wireBytes / script.length).toFixed(3)}x)`,
    );
    expect(ratio).toBeLessThanOrEqual(0.65);
    expect(r.wireBytes).toBeLessThanOrEqual(onWire);
  });

  it('falls back to plain base64 on a board without deflate, and the file is still exact', async () => {
    expect((await b.client.exec(DROP_DEFLATE)).error).toBeUndefined();
    const script = realScript();
    const firstExec = b.execs.length;
    const r = await pushFile(b.client, script, 'lib/plain.py');
    expect(r).toMatchObject({ skipped: false, sha256: sha(script), verifiedBy: 'sha256', encoding: 'base64' });
    expect(b.readFile('/lib/plain.py')).toEqual(script);
    const writes = b.execs.slice(firstExec).filter((e) => isChunk(e.code));
    expect(writes.every((e) => e.code.startsWith('_ef.write('))).toBe(true);
    expect(writes).toHaveLength(Math.ceil(script.length / PUSH_CHUNK_BYTES));
    expect(r.wireBytes / script.length).toBeGreaterThan(4 / 3);
    // A fresh VM (the filesystem stays) has its deflate back for the tests after this one.
    await b.client.softReset();
    expect((await b.client.exec("import deflate\nprint(hasattr(deflate, 'DeflateIO'))")).stdout).toBe('True\r\n');
  });

  it('cuts data that will not compress into several deflated execs, each within the size one exec may carry', async () => {
    const data = randomBytes(40_000);
    const firstExec = b.execs.length;
    const r = await pushFile(b.client, data, 'noise.bin');
    expect(r).toMatchObject({ encoding: 'deflate', sha256: sha(data) });
    expect(b.readFile('/noise.bin')).toEqual(data);
    const writes = b.execs.slice(firstExec).filter((e) => isChunk(e.code));
    expect(writes.length).toBeGreaterThan(3);
    for (const w of writes) expect(w.code.length).toBeLessThan((MAX_DEFLATED_BYTES * 4) / 3 + 64);
    expect((await b.client.exec("import os\nos.remove('/noise.bin')")).error).toBeUndefined();
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
    expect(chunkWrites(b)).toBe(writes + 1);

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
    const script = randomBytes(30_000);
    await pushFile(client, script, 'fed.bin');
    const steps = b.execs.slice(first).map((e) => (e.code.includes('_esp32cam_wdt') ? 'feed' : isChunk(e.code) ? 'chunk' : 'other'));
    expect(steps[0]).toBe('feed');
    // Every chunk write is preceded by a feed: no step of the push runs on a watchdog that may be about to bite.
    steps.forEach((s, i) => {
      if (s === 'chunk') expect(steps[i - 1]).toBe('feed');
    });
    expect(steps.filter((s) => s === 'chunk').length).toBeGreaterThan(1);
    expect(b.board.sim.info().watchdog?.timeoutMs).toBe(120_000);
    expect(b.readFile('/fed.bin')).toEqual(script);
    expect((await client.exec("import os\nos.remove('/fed.bin')")).error).toBeUndefined();
  });

  it('fails with E_PORT_DISCONNECTED when the board is unplugged mid-push, and the old file stays', async () => {
    const old = randomBytes(2000);
    await pushFile(b.client, old, 'blob.bin');
    const err = await errorOf(
      pushFile(b.client, randomBytes(30_000), 'blob.bin', {
        onProgress: (p) => {
          // After the first of several write execs.
          if (p.phase === 'write' && p.sent > 0 && p.sent < 30_000) b.board.sim.serial.unplug();
        },
      }),
    );
    expect(err.code).toBe('E_PORT_DISCONNECTED');
    b.board.sim.serial.plug();
    expect(b.readFile('/blob.bin')).toEqual(old);
    expect(b.listDir('/')).toContain('blob.bin');
  });
});

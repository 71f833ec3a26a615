import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceScriptsDir } from '../../host/src/paths.js';
import { bundledScriptItems, checkPushItems, fileItems, pushScripts, summarisePush, type PushItemProgress } from '../../host/src/services/script-push.js';
import { bigScript, errorOf, startBoard, type TestBoard } from '../push/board.js';
import { closeTempCode, openTempCode, writeChunkCode } from '../../host/src/devices/push/board-code.js';

describe('pushing scripts to the simulated board', () => {
  let b: TestBoard;
  let dir: string;
  beforeAll(async () => {
    b = await startBoard();
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-script-push-'));
  });
  afterAll(async () => {
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs the bundled script with its config values, skips it when unchanged, and resends it with force', async () => {
    const items = bundledScriptItems({ I2C_ADDRESS: '0x2d', WDT_TIMEOUT_MS: 30000 });
    expect(items.map((i) => i.remotePath)).toEqual(['/camconfig.py', '/main.py']);
    const progress: PushItemProgress[] = [];
    const first = await pushScripts(b.client, items, { onProgress: (p) => progress.push(p) });
    expect(first.map((r) => [r.path, r.skipped])).toEqual([
      ['/camconfig.py', false],
      ['/main.py', false],
    ]);
    const config = b.readFile('/camconfig.py')!.toString();
    expect(config).toMatch(/^I2C_ADDRESS = 0x2D\s+#/m);
    expect(config).toMatch(/^WDT_TIMEOUT_MS = 30000\s+#/m);
    expect(b.readFile('/main.py')).toEqual(readFileSync(join(deviceScriptsDir(), 'main.py')));
    expect(progress.filter((p) => p.phase === 'done').map((p) => [p.index, p.count, p.sourceName])).toEqual([
      [0, 2, 'device-scripts/camconfig.py'],
      [1, 2, 'device-scripts/main.py'],
    ]);
    const summary = summarisePush(first);
    expect(summary).toMatchObject({ files: 2, pushed: 2, skipped: 0, bytes: first[0].bytes + first[1].bytes });
    // The board inflates: both files cross the wire deflated, in well under their own size.
    expect(first.map((r) => r.encoding)).toEqual(['deflate', 'deflate']);
    expect(summary.ratio).toBeLessThan(1);

    const again = await pushScripts(b.client, bundledScriptItems({ I2C_ADDRESS: '0x2d', WDT_TIMEOUT_MS: 30000 }));
    expect(again.map((r) => r.skipped)).toEqual([true, true]);
    expect(summarisePush(again)).toMatchObject({ pushed: 0, skipped: 2, bytes: 0, ratio: undefined });

    const changed = await pushScripts(b.client, bundledScriptItems({ I2C_ADDRESS: 0x2e }));
    expect(changed.map((r) => r.skipped)).toEqual([false, true]);
    expect(b.readFile('/camconfig.py')!.toString()).toMatch(/^I2C_ADDRESS = 0x2E\s+#/m);

    const forced = await pushScripts(b.client, bundledScriptItems({ I2C_ADDRESS: 0x2e }), { force: true });
    expect(forced.map((r) => r.skipped)).toEqual([false, false]);
  });

  it('refuses unknown settings and wrong types before anything is sent', async () => {
    expect(() => bundledScriptItems({ I2C_ADRESS: 1 })).toThrowError(/Unknown device setting "I2C_ADRESS"/);
    expect(() => bundledScriptItems({ SDA_PIN: 'x' })).toThrowError(/SDA_PIN must be an integer/);
  });

  it('puts named files at the root under their names, or under --to', async () => {
    await writeFile(join(dir, 'util.py'), 'def f():\n    return 42\n');
    await writeFile(join(dir, 'data.bin'), Buffer.from([0, 1, 2, 255]));
    expect(fileItems([join(dir, 'util.py')]).map((i) => i.remotePath)).toEqual(['/util.py']);
    const results = await pushScripts(b.client, fileItems([join(dir, 'util.py'), join(dir, 'data.bin')], '/lib/'));
    expect(results.map((r) => r.path)).toEqual(['/lib/util.py', '/lib/data.bin']);
    expect(b.readFile('/lib/data.bin')).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it.each([
    ['a quote', "it's.py", /not allowed: quotes/],
    ['a non-ASCII letter', 'caf\u00e9.py', /not allowed: only printable ASCII/],
  ])('refuses a file name with %s, sending nothing', async (_what, name, message) => {
    await writeFile(join(dir, name), 'print(1)\n');
    const before = b.bytesFromHost();
    const err = await errorOf(pushScripts(b.client, [...fileItems([join(dir, 'util.py')]), ...fileItems([join(dir, name)])]));
    expect(err.code).toBe('E_BAD_INPUT');
    expect(err.message).toMatch(message);
    expect(b.bytesFromHost()).toBe(before);
  });

  it('stops at a syntax error with file:line, and at a binary .py, sending nothing', async () => {
    await writeFile(join(dir, 'good.py'), 'x = 1\n');
    await writeFile(join(dir, 'broken.py'), 'x = 1\ny = (\nprint(x\n');
    await writeFile(join(dir, 'compiled.py'), Buffer.from([0x4d, 0x06, 0x00, 0x1f, 0x02, 0x00]));
    const before = b.bytesFromHost();
    const syntax = await errorOf(pushScripts(b.client, fileItems([join(dir, 'good.py'), join(dir, 'broken.py')])));
    expect(syntax.code).toBe('E_SCRIPT_SYNTAX');
    expect(syntax.message).toMatch(new RegExp(`^${join(dir, 'broken.py').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: `));
    const bin = await errorOf(pushScripts(b.client, fileItems([join(dir, 'compiled.py')])));
    expect(bin).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(/compiled\.py is not a text Python script \(it contains NUL bytes\)/) });
    expect(b.bytesFromHost()).toBe(before);
  });

  it('refuses two files for the same place, missing files and folders', async () => {
    await writeFile(join(dir, 'x.py'), 'x = 1\n');
    await expect(checkPushItems([...fileItems([join(dir, 'x.py')]), ...fileItems([join(dir, 'x.py')])])).rejects.toThrowError(
      /would both be written to \/x\.py/,
    );
    expect(() => fileItems([join(dir, 'nope.py')])).toThrowError(/There is no file/);
    expect(() => fileItems([dir])).toThrowError(/is not a file/);
  });

  it('removes the temp files a push cut off by a crash of the host left on the board, at the next push', async () => {
    await writeFile(join(dir, 'main.py'), bigScript(2000, 'before'));
    await pushScripts(b.client, fileItems([join(dir, 'main.py')]));
    // The host dies mid-push: the board holds the temp file as far as the push got, exactly as push writes
    // it (the same board code), and nobody is left to remove it.
    const dying = b.newClient();
    await dying.exec(openTempCode('/main.py.tmp', []));
    await dying.exec(writeChunkCode(bigScript(4096, 'cut-off').toString('base64')));
    await dying.exec(openTempCode('/lib/util.py.tmp', ['/lib']));
    await dying.exec(closeTempCode());
    expect(b.listDir('/')).toContain('main.py.tmp');
    expect(b.listDir('/lib')).toContain('util.py.tmp');

    const stale: string[] = [];
    await writeFile(join(dir, 'main.py'), bigScript(3000, 'after'));
    await writeFile(join(dir, 'util.py'), 'x = 1\n');
    const results = await pushScripts(b.newClient(), [...fileItems([join(dir, 'main.py')]), ...fileItems([join(dir, 'util.py')], 'lib')], {
      onStaleTemps: (paths) => stale.push(...paths),
    });
    expect(stale.sort()).toEqual(['/lib/util.py.tmp', '/main.py.tmp']);
    expect(results.map((r) => r.skipped)).toEqual([false, false]);
    expect(b.listDir('/').filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(b.listDir('/lib').filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(b.readFile('/main.py')).toEqual(bigScript(3000, 'after'));
  });
});

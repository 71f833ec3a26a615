import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFsInfo, listDeviceFiles, makeDeviceDir, readDeviceFile, removeDeviceFile } from '../../host/src/devices/device-fs/index.js';
import { pushFile } from '../../host/src/devices/push/index.js';
import { errorOf, startBoard, type TestBoard } from '../push/board.js';

/** Bytes that are not text: every value, NULs and CR/LF included, in an order that is not periodic in 3 or 4. */
const binary = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + seed + (i >> 7)) & 0xff));

describe('device files through the raw REPL of the simulated board', () => {
  let b: TestBoard;
  beforeAll(async () => {
    b = await startBoard();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('lists a folder with types and sizes, sorted, and knows missing folders and files from folders', async () => {
    await makeDeviceDir(b.client, '/lsdir/sub/deeper');
    await pushFile(b.client, Buffer.from('print(1)\n'), '/lsdir/b.py');
    await pushFile(b.client, binary(1000, 1), '/lsdir/a.bin');
    expect(await listDeviceFiles(b.client, '/lsdir')).toEqual([
      { name: 'a.bin', path: '/lsdir/a.bin', type: 'file', size: 1000 },
      { name: 'b.py', path: '/lsdir/b.py', type: 'file', size: 9 },
      { name: 'sub', path: '/lsdir/sub', type: 'dir', size: 0 },
    ]);
    expect(await listDeviceFiles(b.client, 'lsdir/sub/')).toEqual([{ name: 'deeper', path: '/lsdir/sub/deeper', type: 'dir', size: 0 }]);
    const root = await listDeviceFiles(b.client, '/');
    expect(root.find((e) => e.name === 'lsdir')).toMatchObject({ type: 'dir', path: '/lsdir' });
    expect(await errorOf(listDeviceFiles(b.client, '/nope'))).toMatchObject({ code: 'E_NOT_FOUND', message: 'There is no /nope on the board' });
    expect((await errorOf(listDeviceFiles(b.client, '/lsdir/a.bin'))).code).toBe('E_BAD_INPUT');
  });

  it.each([
    ['empty', 0],
    ['smaller than one read', 700],
    ['exactly one exec of reads', 6144],
    ['several execs', 15_000],
  ])('reads back a binary file byte-exact (%s)', async (_name, size) => {
    const data = binary(size, size);
    await pushFile(b.client, data, `/rt-${size}.bin`);
    const seen: number[] = [];
    const back = await readDeviceFile(b.client, `rt-${size}.bin`, { onProgress: (p) => seen.push(p.received) });
    expect(Buffer.from(back)).toEqual(data);
    expect(seen.at(-1)).toBe(size);
  });

  it('refuses to read a folder or a missing file, and names it', async () => {
    expect(await errorOf(readDeviceFile(b.client, '/lsdir'))).toMatchObject({ code: 'E_BAD_INPUT', message: '/lsdir on the board is a folder, not a file' });
    expect(await errorOf(readDeviceFile(b.client, '/missing.txt'))).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('removes files and empty folders, and refuses a folder that is not empty', async () => {
    await pushFile(b.client, binary(10, 3), '/rmdir/x.bin');
    const full = await errorOf(removeDeviceFile(b.client, '/rmdir'));
    expect(full.code).toBe('E_DEVICE_FS');
    expect(full.message).toMatch(/^The board could not remove \/rmdir: /);
    expect(await removeDeviceFile(b.client, '/rmdir/x.bin')).toEqual({ path: '/rmdir/x.bin', type: 'file' });
    expect(await removeDeviceFile(b.client, '/rmdir')).toEqual({ path: '/rmdir', type: 'dir' });
    expect(b.listDir('/')).not.toContain('rmdir');
    expect(await errorOf(removeDeviceFile(b.client, '/rmdir'))).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('refuses names that cannot sit in a Python literal before running anything', async () => {
    const before = b.execs.length;
    const sent = b.bytesFromHost();
    for (const name of ["/it's.py", '/caf\u00e9.py', '/a\\b', '/../x']) {
      expect((await errorOf(readDeviceFile(b.client, name))).code).toBe('E_BAD_INPUT');
      expect((await errorOf(removeDeviceFile(b.client, name))).code).toBe('E_BAD_INPUT');
    }
    expect(b.execs.length).toBe(before);
    expect(b.bytesFromHost()).toBe(sent);
  });

  it('makes nested folders, is fine when they exist, and refuses when a file is in the way', async () => {
    expect(await makeDeviceDir(b.client, 'mk/a/b')).toBe('/mk/a/b');
    expect(await makeDeviceDir(b.client, '/mk/a/b')).toBe('/mk/a/b');
    expect(b.listDir('/mk/a')).toEqual(['b']);
    await pushFile(b.client, binary(5, 5), '/mk/file');
    expect((await errorOf(makeDeviceDir(b.client, '/mk/file/sub'))).code).toBe('E_BAD_INPUT');
  });

  it('reports the filesystem size and free space from os.statvfs', async () => {
    const info = await deviceFsInfo(b.client);
    expect(info.blockSize).toBeGreaterThan(0);
    expect(info.totalBytes % info.blockSize).toBe(0);
    expect(info.freeBytes).toBeGreaterThan(0);
    expect(info.freeBytes).toBeLessThanOrEqual(info.totalBytes);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'esp32cam.js');

interface Service {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

interface SavedPhoto {
  id: string;
  size: number;
  sha256: string;
}

/** The built CLI's `serve`, as systemd would run it (no terminal: JSON logs), on `dataDir`. */
function spawnService(work: string, dataDir: string, config: string): Service & { serving: Promise<string> } {
  const env = { ...process.env };
  delete env.ESP32CAM_CONFIG;
  delete env.NOTIFY_SOCKET;
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--camera', 'sim', '--data-dir', dataDir, '--config', config], {
    cwd: work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const serving = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /esp32cam: serving (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`serve exited before it served:\n${out}`)));
  });
  serving.catch(() => undefined);
  return { child, url: '', exited, output: () => out, serving };
}

async function startService(work: string, dataDir: string, config: string): Promise<Service> {
  const service = spawnService(work, dataDir, config);
  return { ...service, url: await service.serving };
}

/** POST /api/capture; `onSent` runs once the whole request has been handed to the kernel. */
function capture(url: string, onSent?: () => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/capture`, { method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(() => onSent?.());
  });
}

async function savedPhoto(url: string): Promise<SavedPhoto> {
  const res = await capture(url);
  expect(res.status, res.body).toBe(201);
  const { id, size, sha256 } = JSON.parse(res.body) as SavedPhoto;
  return { id, size, sha256 };
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** A whole, decodable JPEG: SOI at the start, EOI at the end, and libvips decodes every row of it. */
async function expectCompleteJpeg(jpeg: Buffer): Promise<void> {
  expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
  expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9');
  const { info } = await sharp(jpeg, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
  expect(info.width * info.height).toBeGreaterThan(0);
}

/**
 * When to pull the plug on the service while it takes a photo. Each is a moment in the save: the request
 * on its way, the JPEG, thumbnail and metadata each half written (a temp file appeared), and just after
 * the reply. The kill lands a little after its trigger, so each round also cuts somewhere near it.
 */
type KillMoment = 'request sent' | 'jpeg being written' | 'thumbnail being written' | 'metadata being written' | 'reply received';
const MOMENTS: KillMoment[] = ['request sent', 'jpeg being written', 'thumbnail being written', 'metadata being written', 'reply received'];

describe('after a crash, the restarted service has lost no photo and left no half-written file', () => {
  let work: string;
  let dataDir: string;
  let config: string;
  const running: Service[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-crash-'));
    dataDir = join(work, 'data');
    // The store's folders exist from the start, so the watchers below can sit on them before the first save.
    await mkdir(join(dataDir, 'photos'), { recursive: true, mode: 0o700 });
    await mkdir(join(dataDir, 'thumbs'), { recursive: true, mode: 0o700 });
    config = join(work, 'config.json');
    // A fast simulated bus and small frames keep the rounds short; the save path is the same.
    await writeFile(config, JSON.stringify({ sim: { busHz: 1_000_000, frameSize: 'QVGA' } }));
  });
  afterAll(async () => {
    for (const s of running) s.child.kill('SIGKILL');
    await Promise.all(running.map((s) => s.exited));
    await rm(work, { recursive: true, force: true });
  });

  /** What must hold after every restart, whatever moment the last process died at. */
  async function expectIntact(url: string, saved: Map<string, SavedPhoto>): Promise<void> {
    const listed = new Map<string, SavedPhoto>();
    let before: string | null | undefined;
    do {
      const page = (await (await fetch(`${url}/api/photos?limit=100${before ? `&before=${before}` : ''}`)).json()) as {
        items: SavedPhoto[];
        next: string | null;
      };
      for (const p of page.items) listed.set(p.id, p);
      before = page.next;
    } while (before);
    // Every photo the API ever said it saved is still there, whole, as it was.
    for (const photo of saved.values()) {
      expect(listed.get(photo.id), `photo ${photo.id} was reported saved`).toMatchObject(photo);
      const res = await fetch(`${url}/api/photos/${photo.id}/jpeg`);
      expect(res.status).toBe(200);
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect(jpeg.length).toBe(photo.size);
      expect(createHash('sha256').update(jpeg).digest('hex')).toBe(photo.sha256);
      await expectCompleteJpeg(jpeg);
    }
    // The store lists nothing without its files, and keeps no file it does not list (a save the crash
    // cut short either finished whole or left nothing), nor any temp file.
    const photos = await readdir(join(dataDir, 'photos'));
    const thumbs = await readdir(join(dataDir, 'thumbs'));
    expect(
      photos.filter((f) => f.endsWith('.tmp')),
      'temp files in photos/',
    ).toEqual([]);
    expect(
      thumbs.filter((f) => f.endsWith('.tmp')),
      'temp files in thumbs/',
    ).toEqual([]);
    const ids = [...listed.keys()].sort();
    expect(photos.sort()).toEqual(ids.flatMap((id) => [`${id}.jpg`, `${id}.json`]).sort());
    expect(thumbs.sort()).toEqual(ids.map((id) => `${id}.jpg`));
    for (const id of ids) {
      const record = JSON.parse(await readFile(join(dataDir, 'photos', `${id}.json`), 'utf8')) as SavedPhoto;
      expect((await stat(join(dataDir, 'photos', `${id}.jpg`))).size).toBe(record.size);
      await expectCompleteJpeg(await readFile(join(dataDir, 'photos', `${id}.jpg`)));
      await expectCompleteJpeg(await readFile(join(dataDir, 'thumbs', `${id}.jpg`)));
    }
  }

  /** Temp files anywhere in the data folder: what a kill left for the next start-up to clean. */
  const tempFiles = async (): Promise<string[]> => (await filesUnder(dataDir)).filter((f) => f.endsWith('.tmp'));

  it('killed with SIGKILL while starting and at five moments of a save, it restarts with every saved photo whole and nothing half-written', async () => {
    const saved = new Map<string, SavedPhoto>();
    let killsThatLeftTempFiles = 0;

    // Killed while it writes its runtime file (service.json) at start-up.
    const starting = spawnService(work, dataDir, config);
    running.push(starting);
    const startWatcher = watch(dataDir, (_event, name) => {
      if (name && /^\.service\.json\..*\.tmp$/.test(name)) starting.child.kill('SIGKILL');
    });
    // Should the start-up win the race, it is killed once it serves instead.
    void starting.serving.then(
      () => starting.child.kill('SIGKILL'),
      () => undefined,
    );
    expect((await starting.exited).signal).toBe('SIGKILL');
    startWatcher.close();
    if ((await tempFiles()).length > 0) killsThatLeftTempFiles++;

    for (const moment of MOMENTS) {
      const service = await startService(work, dataDir, config);
      running.push(service);
      await expectIntact(service.url, saved);
      for (let i = 0; i < 2; i++) {
        const photo = await savedPhoto(service.url);
        saved.set(photo.id, photo);
      }

      const watchers: FSWatcher[] = [];
      const kill = (): void => {
        service.child.kill('SIGKILL');
        for (const w of watchers) w.close();
      };
      const watchFor = (dir: string, pattern: RegExp): void => {
        const watcher = watch(join(dataDir, dir), (_event, name) => {
          if (name && pattern.test(name)) kill();
        });
        watchers.push(watcher);
      };
      if (moment === 'jpeg being written') watchFor('photos', /^\.\d.*\.jpg\.[0-9a-f]+\.tmp$/);
      if (moment === 'thumbnail being written') watchFor('thumbs', /\.tmp$/);
      if (moment === 'metadata being written') watchFor('photos', /\.json\.[0-9a-f]+\.tmp$/);
      const reply = capture(service.url, moment === 'request sent' ? kill : undefined).then(
        (res) => {
          // The reply won the race against the kill: the photo was saved, so it must survive.
          if (res.status === 201) {
            const { id, size, sha256 } = JSON.parse(res.body) as SavedPhoto;
            saved.set(id, { id, size, sha256 });
          }
          if (moment === 'reply received') kill();
          return res.status;
        },
        () => 'connection lost' as const,
      );
      const outcome = await reply;
      kill();
      expect(await service.exited, service.output()).toEqual({ code: null, signal: 'SIGKILL' });
      // A save cut short never answers 201, and a killed one never answers anything else.
      expect([201, 'connection lost']).toContain(outcome);
      if ((await tempFiles()).length > 0) killsThatLeftTempFiles++;
    }
    // The kills did land mid-write (each trigger is a temp file appearing), so recovery had work to do.
    expect(killsThatLeftTempFiles).toBeGreaterThan(0);

    const last = await startService(work, dataDir, config);
    running.push(last);
    await expectIntact(last.url, saved);
    expect(saved.size).toBeGreaterThanOrEqual(2 * MOMENTS.length);
    last.child.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    // Nothing anywhere in the data folder is a temp file left by any of the killed processes.
    expect((await filesUnder(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('removes the temp files a killed write left in the data folder and its subfolders, and nothing else', async () => {
    const folder = join(work, 'leftovers');
    await mkdir(join(folder, 'health'), { recursive: true });
    const leftovers = ['.service.json.0123456789ab.tmp', '.auth-token.ba9876543210.tmp', 'health/.cam.json.00112233aabb.tmp'];
    // Not what writeFileAtomic leaves: a user's own files stay.
    const foreign = ['notes.tmp', 'health/keep.json', '.hidden.tmp'];
    for (const name of [...leftovers, ...foreign]) await writeFile(join(folder, name), 'x');
    const service = await startService(work, folder, config);
    running.push(service);
    // A SIGTERM sent the instant the banner appears is sometimes taken before serve listens for it (seen
    // here; not this test's subject): one request answered first makes sure the service is past that.
    expect((await fetch(`${service.url}/api/photos`)).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await service.exited, service.output()).toEqual({ code: 0, signal: null });
    const left = await filesUnder(folder);
    for (const name of leftovers) expect(left).not.toContain(name);
    for (const name of foreign) expect(left).toContain(name);
    expect(service.output()).toMatch(/removed 3 temp file\(s\) an interrupted write left in/);
  });
});

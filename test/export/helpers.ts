import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';
import { configureLogging } from '../../host/src/log/index.js';
import { nodeFs, type FsPort } from '../../host/src/services/fs-port.js';
import type { PhotoRecord } from '../../host/src/services/photo-record.js';

/**
 * The photo store's real file system, with a hook before each JPEG it reads: a test can hold an export at
 * a chosen photo, delete photos under it, or make the disk fail, without mocking the store or the export.
 */
export class HookedFs {
  beforeRead: ((path: string) => Promise<void> | void) | undefined;
  readonly fs: FsPort = {
    ...nodeFs,
    readFile: async (path) => {
      if (this.beforeRead && path.includes('/photos/') && path.endsWith('.jpg')) await this.beforeRead(path);
      return nodeFs.readFile(path);
    },
  };
}

export interface ExportServer {
  server: RunningServer;
  work: string;
  dataDir: string;
  hooks: HookedFs;
  close(): Promise<void>;
}

/** A service with one simulated camera named `cam`, small fast frames, and the store's reads hookable. */
export async function startExportServer(config: ConfigInput = {}): Promise<ExportServer> {
  const work = await mkdtemp(join(tmpdir(), 'esp32cam-export-'));
  const dataDir = join(work, 'data');
  const hooks = new HookedFs();
  const server = await startServer(
    { port: 0, dataDir, camera: 'sim', sim: { frameSize: 'QQVGA', busHz: 1_000_000 }, ...config },
    { healthIntervalMs: 0, log: () => undefined, fs: hooks.fs },
  );
  return {
    server,
    work,
    dataDir,
    hooks,
    close: async () => {
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Takes `n` real photos through the simulated board, one after another, and returns their records. */
export async function takePhotos(server: RunningServer, n: number, schedule?: string): Promise<PhotoRecord[]> {
  const camera = server.services.cameras.get('cam');
  const records: PhotoRecord[] = [];
  for (let i = 0; i < n; i++) records.push(await camera.capture(schedule === undefined ? {} : { schedule }));
  return records;
}

/** Every entry of a ZIP by name, read with yauzl, which checks each entry's CRC and sizes. */
export function unzip(archive: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(archive, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip: ZipFile) => {
      if (err) {
        reject(err);
        return;
      }
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: Entry) => {
        zip.openReadStream(entry, (openErr, stream) => {
          if (openErr) {
            reject(openErr);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** A promise a test resolves by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Files left in the service's export folder (a timelapse being made or sent). */
export async function exportTempFiles(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'exports')).catch(() => []);
}

/** Whether a process still runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a Debian tool (ffprobe, ffmpeg, pgrep) to its end. */
export function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

export interface ErrorJson {
  error: { code: string; message: string; hint: string };
}

/** The service's log lines (JSON, info and up), for the start and end lines of each export. */
export function captureLog(): { messages: string[] } {
  const messages: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) messages.push((JSON.parse(line) as { msg: string }).msg);
      }
      done();
    },
  });
  configureLogging({ levels: { default: 'silent', namespaces: { service: 'info' } }, format: 'json', destination });
  return { messages };
}

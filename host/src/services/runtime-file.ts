import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { isProcessAlive } from '../process-alive.js';

/** In the data folder while a service runs: how a CLI on the same machine finds it. */
export const RUNTIME_FILE = 'service.json';

const runtimeSchema = z.object({
  pid: z.number().int().positive(),
  /** A URL this machine reaches the service at (loopback when it listens on every address). */
  url: z.string().url(),
  startedAt: z.string(),
  cameras: z.array(z.object({ name: z.string(), camera: z.string() })),
});

export type RuntimeInfo = z.infer<typeof runtimeSchema>;

export const runtimePath = (dataDir: string): string => join(dataDir, RUNTIME_FILE);

/** The URL a local client uses: a wildcard listen address is reached through loopback. */
export function localUrl(host: string, port: number): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

/** Written at start-up, private to the service's user (it names the service's URL and cameras, not its token). */
export async function writeRuntimeFile(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFileAtomic(runtimePath(dataDir), Buffer.from(`${JSON.stringify(info, null, 2)}\n`), undefined, 0o600);
}

/** Removed at a clean stop; a file left by a crash names a dead pid and is ignored. */
export async function removeRuntimeFile(dataDir: string, pid = process.pid): Promise<void> {
  const current = await readRuntimeFile(dataDir);
  // Another service started on this folder since: its file is not this one's to remove.
  if (current && current.pid !== pid) return;
  await unlink(runtimePath(dataDir)).catch(() => undefined);
}

/** The running service's record, or undefined when there is none, it is damaged, or its process is gone. */
export async function readRuntimeFile(dataDir: string): Promise<RuntimeInfo | undefined> {
  let text: string;
  try {
    text = await readFile(runtimePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const info = runtimeSchema.safeParse(parsed);
  if (!info.success || !isProcessAlive(info.data.pid)) return undefined;
  return info.data;
}

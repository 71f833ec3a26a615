import type { RawReplClient } from '../repl/index.js';
import { staleTempCleanupCode } from './board-code.js';

/**
 * Removes what a push interrupted by a crash of the host left behind: the `*.tmp` files in the folders this
 * push writes into (`/` always among them). Returns the paths removed; a board that cannot list a folder
 * just keeps its files, since they are harmless (boot never runs `*.tmp`).
 */
export async function removeStaleTemps(client: RawReplClient, remotePaths: string[]): Promise<string[]> {
  const folders = new Set(['/']);
  for (const path of remotePaths) folders.add(path.slice(0, path.lastIndexOf('/')) || '/');
  const r = await client.exec(staleTempCleanupCode([...folders]), { timeoutMs: 10_000 });
  if (r.error) return [];
  return r.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

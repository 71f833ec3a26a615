/**
 * What `esp32cam push` (and POST /api/scripts/push) sends, checked before anything goes to the board, and
 * the push itself: one verified, atomic pushFile per item, with progress and a per-file result.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pushFile, removeStaleTemps, checkPythonSyntax, normaliseRemotePath, renderConfigModule, CONFIG_MODULE_FILE } from '../devices/push/index.js';
import type { PushFileResult, PushProgress } from '../devices/push/index.js';
import { binaryScript } from '../devices/push/push-errors.js';
import type { RawReplClient } from '../devices/repl/index.js';
import { Esp32CamError, systemErrorCode } from '../errors.js';
import { deviceScriptsDir } from '../paths.js';

export interface PushItem {
  /** Where it goes on the board, e.g. `/main.py` (validated by checkPushItems). */
  remotePath: string;
  data: Uint8Array;
  /** The name shown in progress and errors: the local file, or `device-scripts/main.py`. */
  sourceName: string;
}

export interface PushItemProgress extends PushProgress {
  /** 0-based position of the file in the push, and how many there are. */
  index: number;
  count: number;
  sourceName: string;
}

export interface PushScriptsOptions {
  force?: boolean;
  onProgress?: (progress: PushItemProgress) => void;
  /** Each file's result as soon as it is done. */
  onFile?: (result: PushScriptResult) => void;
  /** Temp files an interrupted earlier push left on the board, removed before this one starts. */
  onStaleTemps?: (paths: string[]) => void;
}

export interface PushScriptResult extends PushFileResult {
  sourceName: string;
  seconds: number;
}

export interface PushSummary {
  files: number;
  pushed: number;
  skipped: number;
  /** File bytes of the files sent (skipped ones excluded). */
  bytes: number;
  /** Bytes put on the wire, including the checks of skipped files. */
  wireBytes: number;
  /** wireBytes / bytes for the files sent; undefined when nothing was sent. */
  ratio: number | undefined;
  seconds: number;
}

/** The largest file pushed: an ESP32-CAM's filesystem holds about 1.5 MB in all. */
export const MAX_PUSH_FILE_BYTES = 1024 * 1024;

export const BUNDLED_MAIN = 'main.py';

/**
 * With no files named: the bundled slave script as the board's `/main.py`, and its config module
 * `/camconfig.py` with `values` (E_CONFIG for an unknown name or a wrong type). The config goes first, so a
 * push cut short never leaves a new main.py reading an old config.
 */
export function bundledScriptItems(values: Record<string, unknown> = {}): PushItem[] {
  const config = renderConfigModule(values);
  return [
    { remotePath: `/${CONFIG_MODULE_FILE}`, data: Buffer.from(config, 'utf8'), sourceName: `device-scripts/${CONFIG_MODULE_FILE}` },
    { remotePath: `/${BUNDLED_MAIN}`, data: readFileSync(join(deviceScriptsDir(), BUNDLED_MAIN)), sourceName: `device-scripts/${BUNDLED_MAIN}` },
  ];
}

/** Local files to the board's root under their own names, or into `toDir` (e.g. `lib`). Read now, checked by checkPushItems. */
export function fileItems(paths: string[], toDir?: string): PushItem[] {
  const dir = toDir === undefined ? '' : toDir.replace(/^\/+|\/+$/g, '');
  return paths.map((path) => ({ remotePath: `/${dir ? `${dir}/` : ''}${basename(path)}`, data: readLocalFile(path), sourceName: path }));
}

function readLocalFile(path: string): Uint8Array {
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new Esp32CamError('E_BAD_INPUT', `${path} is not a file`, 'Name the files to push, e.g. `esp32cam push main.py lib/util.py`.');
    if (info.size > MAX_PUSH_FILE_BYTES) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `${path} is ${info.size} bytes, more than the ${MAX_PUSH_FILE_BYTES} a push takes`,
        "An ESP32-CAM's filesystem holds about 1.5 MB; push smaller files.",
      );
    }
    return readFileSync(path);
  } catch (err) {
    if (err instanceof Esp32CamError) throw err;
    const code = systemErrorCode(err);
    if (code === 'ENOENT') throw new Esp32CamError('E_BAD_INPUT', `There is no file ${path}`, 'Check the path of the file to push.');
    throw new Esp32CamError('E_BAD_INPUT', `Cannot read ${path} (${code ?? (err as Error).message})`, 'Check that the file exists and is readable.');
  }
}

/**
 * Everything that can be known wrong before a byte goes to the board: names that could not sit in a
 * Python literal on the board (quotes, non-ASCII), the same target twice, a `.py` that is binary or does not
 * compile in MicroPython (E_SCRIPT_SYNTAX names file:line). Returns the items with absolute remote paths.
 */
export async function checkPushItems(items: PushItem[]): Promise<PushItem[]> {
  if (items.length === 0) throw new Esp32CamError('E_BAD_INPUT', 'Nothing to push', 'Name the files to push, or none to install the bundled slave script.');
  const seen = new Map<string, string>();
  const checked = items.map((item) => {
    const remotePath = normaliseRemotePath(item.remotePath);
    const other = seen.get(remotePath);
    if (other !== undefined) {
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `${other} and ${item.sourceName} would both be written to ${remotePath}`,
        'Rename one of them, or push them with different --to folders.',
      );
    }
    seen.set(remotePath, item.sourceName);
    return { ...item, remotePath };
  });
  for (const item of checked) {
    if (!item.remotePath.endsWith('.py')) continue;
    const error = await checkPythonSyntax(scriptText(item), item.sourceName);
    if (error) throw error;
  }
  return checked;
}

/** A `.py` must be UTF-8 text without NULs; anything else is a binary file pushed by mistake. */
function scriptText(item: PushItem): string {
  if (item.data.includes(0)) throw binaryScript(item.sourceName, 'it contains NUL bytes');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(item.data);
  } catch {
    throw binaryScript(item.sourceName, 'it is not valid UTF-8');
  }
}

/**
 * Pushes the items in order through `client` (checked first, so a bad item stops the push before anything
 * is sent). Files the board already holds are skipped unless `force`. Stops at the first failure; the files
 * pushed before it stay, the failing one's old version is kept.
 */
export async function pushScripts(client: RawReplClient, items: PushItem[], opts: PushScriptsOptions = {}): Promise<PushScriptResult[]> {
  const checked = await checkPushItems(items);
  const stale = await removeStaleTemps(
    client,
    checked.map((item) => item.remotePath),
  );
  if (stale.length > 0) opts.onStaleTemps?.(stale);
  const results: PushScriptResult[] = [];
  for (const [index, item] of checked.entries()) {
    const started = performance.now();
    const result = await pushFile(client, item.data, item.remotePath, {
      force: opts.force,
      checkSyntax: false,
      sourceName: item.sourceName,
      onProgress: (p) => opts.onProgress?.({ ...p, index, count: checked.length, sourceName: item.sourceName }),
    });
    const done: PushScriptResult = { ...result, sourceName: item.sourceName, seconds: (performance.now() - started) / 1000 };
    results.push(done);
    opts.onFile?.(done);
  }
  return results;
}

export function summarisePush(results: PushScriptResult[]): PushSummary {
  const sent = results.filter((r) => !r.skipped);
  const bytes = sent.reduce((n, r) => n + r.bytes, 0);
  const sentWire = sent.reduce((n, r) => n + r.wireBytes, 0);
  return {
    files: results.length,
    pushed: sent.length,
    skipped: results.length - sent.length,
    bytes,
    wireBytes: results.reduce((n, r) => n + r.wireBytes, 0),
    ratio: bytes > 0 ? sentWire / bytes : undefined,
    seconds: results.reduce((n, r) => n + r.seconds, 0),
  };
}

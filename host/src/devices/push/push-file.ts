/**
 * One verified file write through the raw REPL: check the hash already there, send the file into a temp
 * file next to the target (deflated where the board has MicroPython's `deflate`, else as base64), check the
 * temp file's hash on the board, and only then rename it into place, in the same exec as the check. A
 * half-written main.py can therefore never boot, and any failure leaves the old file as it was.
 */
import { createHash } from 'node:crypto';
import { isEsp32CamError } from '../../errors.js';
import type { ExecOptions, ExecResult, RawReplClient } from '../repl/index.js';
import { closeTempCode, isNoSpaceError, openTempCode, readBackCode, removeTempCode, renameCode, sha256Code, verifyAndRenameCode } from './board-code.js';
import { deflatedChunks, plainChunks } from './push-chunks.js';
import { binaryScript, deviceFsError, deviceFsFull, lastLine, pushVerifyFailed } from './push-errors.js';
import { normaliseRemotePath, parentFolders, tempPathFor } from './remote-path.js';
import { assertPythonSyntax } from './syntax-check.js';

/** Bytes the raw REPL adds around one exec: `\x05A\x01` … `\x04` in raw-paste, `\x04` in plain raw. */
const FRAMING_BYTES = { 'raw-paste': 4, raw: 1 } as const;
/** Line rate floor for exec timeouts: 115200 baud ≈ 11.5 KB/s; half that leaves room for a slow board. */
const MIN_BYTES_PER_SECOND = 5000;

export type PushPhase = 'check' | 'write' | 'verify' | 'rename' | 'skipped' | 'done';

export interface PushProgress {
  path: string;
  phase: PushPhase;
  /** File bytes sent so far. */
  sent: number;
  total: number;
}

export interface PushFileOptions {
  /** Send even when the board already holds the same bytes. */
  force?: boolean;
  onProgress?: (progress: PushProgress) => void;
  /** Compile `.py` files with MicroPython before sending (default true). */
  checkSyntax?: boolean;
  /** The name shown in a syntax error (default: the remote path). */
  sourceName?: string;
}

export interface PushFileResult {
  /** The absolute path on the board. */
  path: string;
  skipped: boolean;
  bytes: number;
  /** Bytes the push's own code put on the wire towards the board (watchdog feeds and resyncs excluded). */
  wireBytes: number;
  sha256: string;
  /** How the file was checked: by SHA-256 on the board, or by reading it back. */
  verifiedBy: 'sha256' | 'readback';
  /** How the bytes travelled: deflated (the board inflated them) or plain base64; undefined when skipped. */
  encoding: 'deflate' | 'base64' | undefined;
}

export async function pushFile(client: RawReplClient, data: Uint8Array, remotePath: string, opts: PushFileOptions = {}): Promise<PushFileResult> {
  const path = normaliseRemotePath(remotePath);
  const isPython = path.endsWith('.py');
  if (isPython) {
    const source = decodeScript(path, data);
    if (opts.checkSyntax ?? true) await assertPythonSyntax(source, opts.sourceName ?? path.slice(1));
  }
  const session = new PushSession(client, path, data, opts.onProgress);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const result = (skipped: boolean, verifiedBy: PushFileResult['verifiedBy']): PushFileResult => ({
    path,
    skipped,
    bytes: data.length,
    wireBytes: session.wireBytes,
    sha256,
    verifiedBy,
    encoding: session.encoding,
  });

  if (!opts.force) {
    session.progress('check', 0);
    const there = await session.boardDigest(path);
    if (there.matches(sha256)) {
      session.progress('skipped', data.length);
      return result(true, there.by);
    }
  }

  const temp = tempPathFor(path);
  try {
    await session.writeTemp(temp);
    session.progress('verify', data.length);
    const verdict = (await session.step(verifyAndRenameCode(temp, path, sha256), 'replace')).trim();
    if (verdict === 'ok') {
      session.progress('done', data.length);
      return result(false, 'sha256');
    }
    if (verdict !== 'nohash') throw pushVerifyFailed(path);
    const written = await session.boardDigest(temp);
    if (!written.matches(sha256)) throw pushVerifyFailed(path);
    session.progress('rename', data.length);
    await session.step(renameCode(temp, path), 'replace');
    session.progress('done', data.length);
    return result(false, written.by);
  } catch (err) {
    await session.removeTemp(temp, err);
    throw err;
  }
}

/** A `.py` must be UTF-8 text: a NUL or a broken sequence means a binary file pushed by mistake. */
function decodeScript(path: string, data: Uint8Array): string {
  if (data.includes(0)) throw binaryScript(path, 'it contains NUL bytes');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw binaryScript(path, 'it is not valid UTF-8');
  }
}

interface BoardDigest {
  by: PushFileResult['verifiedBy'];
  matches(sha256: string): boolean;
}

/** The execs of one push, with their wire-byte count and the board errors mapped to typed ones. */
class PushSession {
  wireBytes = 0;
  encoding: PushFileResult['encoding'];

  constructor(
    private readonly client: RawReplClient,
    private readonly path: string,
    private readonly data: Uint8Array,
    private readonly onProgress: PushFileOptions['onProgress'],
  ) {}

  progress(phase: PushPhase, sent: number): void {
    this.onProgress?.({ path: this.path, phase, sent, total: this.data.length });
  }

  async run(code: string, options: ExecOptions = {}): Promise<{ stdout: string; error: string | undefined }> {
    const bytes = Buffer.byteLength(code);
    const r: ExecResult = await this.client.exec(code, { timeoutMs: timeoutFor(bytes), ...options });
    this.wireBytes += bytes + FRAMING_BYTES[this.client.lastExecPath ?? 'raw'];
    return r;
  }

  /** Runs a step whose exception is a failure of the push. */
  async step(code: string, what: string, target = this.path): Promise<string> {
    const r = await this.run(code);
    if (r.error) throw isNoSpaceError(r.error) ? deviceFsFull(this.path) : deviceFsError(target, what, r.error);
    return r.stdout;
  }

  /** Opens the temp file (which also says whether the board can inflate), writes the chunks, and closes it with the last one. */
  async writeTemp(temp: string): Promise<void> {
    const probe = (await this.step(openTempCode(temp, parentFolders(this.path)), 'create', temp)).trim();
    this.encoding = probe === 'z' ? 'deflate' : 'base64';
    const chunks = this.encoding === 'deflate' ? deflatedChunks(this.data) : plainChunks(this.data);
    let at = 0;
    for (const [i, chunk] of chunks.entries()) {
      this.progress('write', at);
      await this.step(i === chunks.length - 1 ? `${chunk.code}\n${closeTempCode()}` : chunk.code, 'write', temp);
      at = chunk.end;
    }
    if (chunks.length === 0) await this.step(closeTempCode(), 'write', temp);
    this.progress('write', this.data.length);
  }

  /** The board's SHA-256 of `file`, or its bytes read back when the firmware has no hashlib.sha256. */
  async boardDigest(file: string): Promise<BoardDigest> {
    const hashed = (await this.step(sha256Code(file), 'read', file)).trim();
    if (hashed !== 'nohash') return { by: 'sha256', matches: (sha) => hashed === sha };
    const r = await this.run(readBackCode(file), { timeoutMs: timeoutFor(this.data.length * 2) });
    if (r.error) throw deviceFsError(file, 'read', r.error);
    const lines = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length === 1 && lines[0] === 'missing') return { by: 'readback', matches: () => false };
    const back = Buffer.concat(lines.map((l) => Buffer.from(l, 'base64')));
    return { by: 'readback', matches: () => back.equals(this.data) };
  }

  /** After a failure: remove the temp file so the old target is all that is left. Never hides the first error. */
  async removeTemp(temp: string, cause: unknown): Promise<void> {
    if (isEsp32CamError(cause, 'E_PORT_DISCONNECTED')) return;
    try {
      const r = await this.run(removeTempCode(temp), { timeoutMs: 5000 });
      if (r.error) throw new Error(lastLine(r.error));
    } catch {
      // The board may be gone or rebooting; the temp file is harmless (boot never runs *.tmp).
    }
  }
}

function timeoutFor(bytes: number): number {
  return 10_000 + Math.ceil((bytes / MIN_BYTES_PER_SECOND) * 1000);
}

/**
 * The Python the push runs on the board, one small exec per step. Paths arrive already validated by
 * normaliseRemotePath (no quotes, backslashes or non-ASCII), so they can sit inside '...' literals.
 * Names start with `_e` so they do not clash with what a user left in the REPL's globals. Code is kept
 * terse on purpose: every byte here crosses a 115200-baud line.
 */

/** Prints the file's SHA-256 in hex, `missing` when it cannot be read, `nohash` when hashlib has no sha256. */
export function sha256Code(path: string): string {
  return [
    'try:',
    ' from hashlib import sha256 as _eh',
    'except ImportError:',
    " _eh=print('nohash')",
    'if _eh:',
    ' try:',
    '  _eg=_eh()',
    `  with open('${path}','rb') as _er:`,
    '   while 1:',
    '    _eb=_er.read(1024)',
    '    if not _eb:break',
    '    _eg.update(_eb)',
    '  import binascii',
    '  print(binascii.hexlify(_eg.digest()).decode())',
    ' except OSError:',
    "  print('missing')",
    '',
  ].join('\n');
}

export const READBACK_CHUNK = 768;

/** Prints the file as base64 lines (the fallback check where hashlib is missing), or `missing`. */
export function readBackCode(path: string): string {
  return [
    'import binascii',
    'try:',
    ` with open('${path}','rb') as _er:`,
    '  while 1:',
    `   _eb=_er.read(${READBACK_CHUNK})`,
    '   if not _eb:break',
    '   print(binascii.b2a_base64(_eb).decode().strip())',
    'except OSError:',
    " print('missing')",
    '',
  ].join('\n');
}

/**
 * Removes the `*.tmp` files in `folders` (the push's own temp naming: a crash of the host mid-push leaves
 * one) and prints each path it removed.
 */
export function staleTempCleanupCode(folders: string[]): string {
  return [
    'import os',
    `for _ed in (${folders.map((f) => `'${f}'`).join(',')},):`,
    ' try:',
    '  _el=os.listdir(_ed)',
    ' except OSError:',
    '  _el=()',
    ' for _en in _el:',
    "  if _en.endswith('.tmp'):",
    "   _ep=_ed.rstrip('/')+'/'+_en",
    '   try:',
    '    os.remove(_ep)',
    '    print(_ep)',
    '   except OSError:',
    '    pass',
    '',
  ].join('\n');
}

/**
 * Creates missing folders, opens a fresh temp file (kept open in `_ef` across the chunk execs), and probes
 * for MicroPython's `deflate` module in the same exec, so the probe costs no round trip of its own: prints
 * `z` when the board can inflate (then `_ew` writes one zlib stream into the file), `b` for plain base64.
 */
export function openTempCode(tempPath: string, folders: string[]): string {
  const lines = ['import os', 'from binascii import a2b_base64 as _ea'];
  for (const folder of folders) lines.push('try:', ` os.mkdir('${folder}')`, 'except OSError:', ' pass');
  lines.push(
    `_ef=open('${tempPath}','wb')`,
    'try:',
    ' from deflate import DeflateIO as _ed,ZLIB as _ez',
    ' import io',
    ` _eb=memoryview(bytearray(${INFLATE_BUFFER_BYTES}))`,
    ' def _ew(z):',
    `  d=_ed(io.BytesIO(z),_ez,${PUSH_WINDOW_BITS})`,
    '  while 1:',
    '   n=d.readinto(_eb)',
    '   if not n:break',
    '   _ef.write(_eb[:n])',
    " print('z')",
    'except ImportError:',
    " print('b')",
    '',
  );
  return lines.join('\n');
}

/**
 * The deflate window the host compresses with, and the one the board inflates with: 2^10 = 1 KB. The board
 * allocates the whole window for each stream (MicroPython `extmod/moddeflate.c`), on a heap a stopped
 * main.py may have left fragmented; 1 KB is a block any board finds, and it already takes a script to
 * about 0.40 of its size (4 KB windows reach 0.36, 32 KB 0.32: little more for 4-32 times the RAM).
 */
export const PUSH_WINDOW_BITS = 10;
/** Inflated bytes written to the file per readinto: small, and allocated once per push. */
const INFLATE_BUFFER_BYTES = 1024;

/** One chunk: base64 as a bytes literal (MicroPython-WASM's pure-Python binascii wants bytes, not str). */
export const writeChunkCode = (base64: string): string => `_ef.write(_ea(b'${base64}'))`;

/** One chunk that is a whole zlib stream of its own, inflated into the temp file on the board. */
export const writeDeflatedChunkCode = (base64: string): string => `_ew(_ea(b'${base64}'))`;

export const closeTempCode = (): string => '_ef.close()\ndel _ef';

/** Moves the verified temp file into place; a port whose rename will not overwrite gets the old file removed first. */
export function renameCode(tempPath: string, path: string): string {
  return ['import os', ...renameLines(tempPath, path, ''), ''].join('\n');
}

function renameLines(tempPath: string, path: string, indent: string): string[] {
  return ['try:', ` os.rename('${tempPath}','${path}')`, 'except OSError:', ` os.remove('${path}')`, ` os.rename('${tempPath}','${path}')`].map(
    (line) => indent + line,
  );
}

/**
 * Checks the temp file's SHA-256 against `sha256` and, only when it matches, renames it into place, all in
 * one exec: prints `ok` after the rename, the board's digest when it differs (the temp file stays for the
 * host to remove), or `nohash` when hashlib has no sha256 (nothing renamed: the host reads the file back).
 */
export function verifyAndRenameCode(tempPath: string, path: string, sha256: string): string {
  return [
    'try:',
    ' from hashlib import sha256 as _eh',
    'except ImportError:',
    " _eh=print('nohash')",
    'if _eh:',
    ' _eg=_eh()',
    ` with open('${tempPath}','rb') as _er:`,
    '  while 1:',
    '   _eb=_er.read(1024)',
    '   if not _eb:break',
    '   _eg.update(_eb)',
    ' import binascii',
    ' _ex=binascii.hexlify(_eg.digest()).decode()',
    ` if _ex=='${sha256}':`,
    '  import os',
    ...renameLines(tempPath, path, '  '),
    "  print('ok')",
    ' else:',
    '  print(_ex)',
    '',
  ].join('\n');
}

/** Best-effort cleanup after a failure: close the temp file if open, then delete it. */
export function removeTempCode(tempPath: string): string {
  return ['import os', 'try:', ' _ef.close()', 'except Exception:', ' pass', 'try:', ` os.remove('${tempPath}')`, 'except OSError:', ' pass', ''].join('\n');
}

/** Whether a board traceback is ENOSPC (errno 28 on the ESP32; `OSError: 28` or `[Errno 28] ENOSPC`). */
export const isNoSpaceError = (boardError: string): boolean => /OSError: (\[Errno )?28\b|ENOSPC/.test(boardError);

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

/** Creates missing folders and opens a fresh temp file, kept open in `_ef` across the chunk execs. */
export function openTempCode(tempPath: string, folders: string[]): string {
  const lines = ['import os', 'from binascii import a2b_base64 as _ea'];
  for (const folder of folders) lines.push('try:', ` os.mkdir('${folder}')`, 'except OSError:', ' pass');
  lines.push(`_ef=open('${tempPath}','wb')`, '');
  return lines.join('\n');
}

/** One chunk: base64 as a bytes literal (MicroPython-WASM's pure-Python binascii wants bytes, not str). */
export const writeChunkCode = (base64: string): string => `_ef.write(_ea(b'${base64}'))`;

export const closeTempCode = (): string => '_ef.close()\ndel _ef';

/** Moves the verified temp file into place; a port whose rename will not overwrite gets the old file removed first. */
export function renameCode(tempPath: string, path: string): string {
  return [
    'import os',
    'try:',
    ` os.rename('${tempPath}','${path}')`,
    'except OSError:',
    ` os.remove('${path}')`,
    ` os.rename('${tempPath}','${path}')`,
    '',
  ].join('\n');
}

/** Best-effort cleanup after a failure: close the temp file if open, then delete it. */
export function removeTempCode(tempPath: string): string {
  return ['import os', 'try:', ' _ef.close()', 'except Exception:', ' pass', 'try:', ` os.remove('${tempPath}')`, 'except OSError:', ' pass', ''].join('\n');
}

/** Whether a board traceback is ENOSPC (errno 28 on the ESP32; `OSError: 28` or `[Errno 28] ENOSPC`). */
export const isNoSpaceError = (boardError: string): boolean => /OSError: (\[Errno )?28\b|ENOSPC/.test(boardError);

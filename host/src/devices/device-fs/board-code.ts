/**
 * The Python the device-file functions run on the board. Paths arrive validated (see device-path.ts: no
 * quotes, backslashes or non-ASCII), so they can sit inside '...' literals. Every reply is printed in a
 * shape the host parses line by line; outcomes the host must tell apart (missing, a folder where a file was
 * expected) are printed as `!word` rather than left to errno numbers, which differ between ports.
 * Names start with `_e` so they do not clash with what a user left in the REPL's globals.
 */

/** Binds `_es` to the mode of `path`, or None when it does not exist. */
const statLines = (path: string): string[] => ['import os', 'try:', ` _es=os.stat('${path}')`, 'except OSError:', ' _es=None'];

const IS_DIR = '0x4000';

/** One line per entry, sorted: `d|f SIZE NAME`; or `!missing` / `!notdir`. */
export function listDirCode(dir: string): string {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  return [
    ...statLines(dir),
    "if _es is None:print('!missing')",
    `elif not _es[0]&${IS_DIR}:print('!notdir')`,
    'else:',
    ` for _en in sorted(os.listdir('${dir}')):`,
    `  _et=os.stat('${prefix}'+_en)`,
    `  print('d' if _et[0]&${IS_DIR} else 'f',_et[6],_en)`,
    '',
  ].join('\n');
}

/** `f SIZE`, `d 0`, or `!missing`. */
export function statCode(path: string): string {
  return [...statLines(path), "if _es is None:print('!missing')", `else:print('d' if _es[0]&${IS_DIR} else 'f',_es[6])`, ''].join('\n');
}

/** Bytes read per line: a multiple of 3, so each line is whole base64 without padding but the last. */
export const READ_LINE_BYTES = 768;
/** Lines per exec: 6 KB of file per round trip keeps each answer small for a busy board's heap. */
export const READ_LINES_PER_EXEC = 8;
export const READ_EXEC_BYTES = READ_LINE_BYTES * READ_LINES_PER_EXEC;

/** Up to READ_EXEC_BYTES from `offset`, as base64 lines. */
export function readChunkCode(path: string, offset: number): string {
  return [
    'import binascii',
    `with open('${path}','rb') as _er:`,
    ` _er.seek(${offset})`,
    ` for _ei in range(${READ_LINES_PER_EXEC}):`,
    `  _eb=_er.read(${READ_LINE_BYTES})`,
    '  if not _eb:break',
    '  print(binascii.b2a_base64(_eb).decode().strip())',
    '',
  ].join('\n');
}

/** Removes a file, or an empty folder: prints `file`, `dir` or `!missing`. */
export function removeCode(path: string): string {
  return [
    ...statLines(path),
    "if _es is None:print('!missing')",
    `elif _es[0]&${IS_DIR}:`,
    ` os.rmdir('${path}')`,
    " print('dir')",
    'else:',
    ` os.remove('${path}')`,
    " print('file')",
    '',
  ].join('\n');
}

/** Creates each folder that is missing (outermost first); prints `!notdir` when one of them is a file. */
export function makeDirsCode(folders: string[]): string {
  const lines = ['import os'];
  for (const folder of folders) {
    lines.push('try:', ` os.mkdir('${folder}')`, 'except OSError:', ' pass');
  }
  const last = folders[folders.length - 1];
  lines.push(...statLines(last).slice(1), `if _es is None or not _es[0]&${IS_DIR}:print('!notdir')`, '');
  return lines.join('\n');
}

/** `BLOCK_SIZE TOTAL_BLOCKS FREE_BLOCKS` of the filesystem holding `/`. */
export const statvfsCode = (): string => "import os\n_ev=os.statvfs('/')\nprint(_ev[1] or _ev[0],_ev[2],_ev[4])\n";

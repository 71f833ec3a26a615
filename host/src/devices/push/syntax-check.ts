/**
 * Compiles a script with real MicroPython (WASM) before it goes to the board, so a syntax error is shown
 * with its file and line and the board is never touched. The code is compiled, never run. One interpreter
 * is loaded on first use and reused: loading costs far more than a compile.
 */
import type { Esp32CamError } from '../../errors.js';
import { lastLine, scriptSyntax } from './push-errors.js';

interface MicroPythonInstance {
  runPython(code: string): unknown;
  globals: { set(key: string, value: unknown): void; delete(key: string): void };
}
type LoadMicroPython = (options: {
  heapsize?: number;
  linebuffer?: boolean;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}) => Promise<MicroPythonInstance>;

// A variable specifier: the package ships no type declarations.
const MICROPYTHON_PACKAGE = '@micropython/micropython-webassembly-pyscript';
const COMPILER_HEAP_BYTES = 4 * 1024 * 1024;

let compiler: Promise<MicroPythonInstance> | undefined;

function loadCompiler(): Promise<MicroPythonInstance> {
  compiler ??= (async () => {
    const { loadMicroPython } = (await import(MICROPYTHON_PACKAGE)) as { loadMicroPython: LoadMicroPython };
    return loadMicroPython({ heapsize: COMPILER_HEAP_BYTES, linebuffer: true, stdout: () => {}, stderr: () => {} });
  })();
  return compiler;
}

/** `undefined` when `source` compiles, else an `E_SCRIPT_SYNTAX` error naming `fileName:line` and the message. */
export async function checkPythonSyntax(source: string, fileName: string): Promise<Esp32CamError | undefined> {
  const mp = await loadCompiler();
  // Passed as globals, not pasted into Python source, so no quoting of the script or its name can break.
  mp.globals.set('_esp32cam_src', source);
  mp.globals.set('_esp32cam_name', fileName);
  try {
    mp.runPython("compile(_esp32cam_src, _esp32cam_name, 'exec')");
    return undefined;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const type = err && typeof err === 'object' && 'type' in err ? String((err as { type: unknown }).type) : '';
    // The traceback's last `File "...", line N` is the script's own frame (the first is the compile call).
    const lines = [...text.matchAll(/File "(.*)", line (\d+)/g)];
    const own = lines.filter((m) => m[1] === fileName).pop() ?? lines.filter((m) => m[1] !== '<stdin>').pop();
    const message = lastLine(text) || type || 'the script does not compile';
    return scriptSyntax(fileName, own ? Number(own[2]) : undefined, message);
  } finally {
    mp.globals.delete('_esp32cam_src');
    mp.globals.delete('_esp32cam_name');
    mp.runPython('import gc\ngc.collect()');
  }
}

/** Like checkPythonSyntax, but throws the error. */
export async function assertPythonSyntax(source: string, fileName: string): Promise<void> {
  const err = await checkPythonSyntax(source, fileName);
  if (err) throw err;
}

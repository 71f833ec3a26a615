import { Esp32CamError } from '../errors.js';

/**
 * The one line a failed command prints: `esp32cam: <message> (<code>). <hint>`. With --debug the stack
 * follows, for bug reports.
 */
export function reportError(err: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): void {
  if (err instanceof Esp32CamError) {
    stderr.write(`esp32cam: ${err.toLine()}\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(`esp32cam: unexpected error: ${oneLine(message)} (E_INTERNAL). This is a bug; run again with --debug and report the output.\n`);
  }
  if (debug && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

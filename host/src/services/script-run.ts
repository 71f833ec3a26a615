/**
 * `push --run`: reset the board and confirm from what it prints that the pushed script started, and, when
 * an I2C camera is configured, that it answers a ping. A traceback, the REPL prompt (the script ended) or
 * silence is a failure that says what the board printed.
 */
import type { PingResult } from '../devices/camera/types.js';
import { Esp32CamError } from '../errors.js';
import { resetBoard, type ReplSession, type ResetMode, type ResetResult } from './device-session.js';

/**
 * What device-scripts/main.py prints once its slave is up: `slave.banner()`. It and TRACEBACK end at a line
 * end, so output cut mid-line is never taken for the whole banner or error.
 */
export const SLAVE_BANNER = /^(esp32cam-slave\/\S+ \([^)]*\)): I2C 0x([0-9A-Fa-f]{2}) on [^\r\n]*\r?\n/m;
const TRACEBACK = /Traceback \(most recent call last\):[\s\S]*?\n(\w*(?:Error|Exception|Interrupt)[^\r\n]*)\r?\n/;
const FRIENDLY_PROMPT = /\r?\n>>> $/;

export interface RunCheckOptions {
  /** The bundled slave script was pushed: wait for its banner (default true). */
  expectBanner?: boolean;
  /** Pings the camera over I2C once the script is up, when one is configured; gets the address the banner names. */
  ping?: (address: number | undefined) => Promise<PingResult>;
  /** How the reset is done (default hard). */
  mode?: ResetMode;
  /** How long to wait for the boot output (default 10 s). */
  waitMs?: number;
}

export interface RunCheck {
  reset: ResetResult['how'];
  /** What the board printed after the reset. */
  output: string;
  /** The slave script's banner line, when it printed one. */
  banner?: string;
  /** The I2C address the banner names. */
  address?: number;
  ping?: PingResult;
}

export async function confirmScriptRuns(session: ReplSession, opts: RunCheckOptions = {}): Promise<RunCheck> {
  const expectBanner = opts.expectBanner ?? true;
  const reset = await resetBoard(session, opts.mode ?? 'hard', {
    until: expectBanner ? new RegExp(`${SLAVE_BANNER.source}|${TRACEBACK.source}`, 'm') : TRACEBACK,
    waitMs: opts.waitMs ?? 10_000,
    quietMs: expectBanner ? 10_000 : 2000,
  });
  const output = reset.output;
  const failed = TRACEBACK.exec(output);
  if (failed) throw notRunning(`it stopped with ${failed[1].trim()}`, output);
  const banner = SLAVE_BANNER.exec(output);
  if (expectBanner && !banner) {
    throw notRunning(FRIENDLY_PROMPT.test(output) ? 'it ended at the REPL prompt without starting the slave' : 'it printed no slave banner', output);
  }
  const result: RunCheck = { reset: reset.how, output, ...(banner ? { banner: banner[0].trim(), address: Number.parseInt(banner[2], 16) } : {}) };
  if (opts.ping) result.ping = await opts.ping(result.address);
  return result;
}

function notRunning(why: string, output: string): Esp32CamError {
  const tail = output.replace(/\r/g, '').trim().split('\n').slice(-3).join(' | ');
  return new Esp32CamError(
    'E_SCRIPT_NOT_RUNNING',
    `The script did not start after the reset: ${why}${tail ? ` (the board printed: ${JSON.stringify(tail.slice(0, 200))})` : ''}`,
    'Watch its output with `esp32cam repl`, fix the script or its settings, and push again.',
  );
}

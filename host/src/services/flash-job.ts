import type { FlashEvent, FlashOptions, FlashResult } from '../devices/flasher/flasher.js';
import type { ErrorPayload } from './error-payload.js';

export type FlashJobState = 'running' | 'done' | 'failed';

/** What a flash job is asked to do; the image has passed checkUpload. */
export type FlashJobRequest = Pick<FlashOptions, 'image' | 'offset' | 'baudRate' | 'erase' | 'before' | 'force'> & {
  /** A serial port as GET /api/ports lists it; omitted: the one likely ESP board. */
  port?: string;
};

export type FlashJobProgress = Omit<Extract<FlashEvent, { type: 'progress' }>, 'type'>;

/** A job as GET /api/jobs/:id returns it. */
export interface FlashJobSnapshot {
  id: string;
  port: string;
  size: number;
  state: FlashJobState;
  startedAt: string;
  finishedAt?: string;
  progress?: FlashJobProgress;
  result?: FlashResult;
  error?: ErrorPayload;
  log: string[];
}

/** The events FlashJobs emits, which socket.io forwards to every page as they are. */
export interface FlashJobEvents {
  'job:started': [{ job: FlashJobSnapshot }];
  'job:progress': [{ id: string } & FlashJobProgress];
  'job:log': [{ id: string; line: string }];
  'job:done': [{ id: string; result: FlashResult }];
  'job:failed': [{ id: string; error: ErrorPayload }];
}

/** Keeps a few hundred lines: a manual reset counts down once per connect attempt. */
const MAX_LOG_LINES = 300;

/** One job's record, kept up to date from the flasher's events. */
export class FlashJob {
  readonly id: string;
  readonly port: string;
  readonly size: number;
  readonly startedAt = new Date();
  state: FlashJobState = 'running';
  finishedAt: Date | undefined;
  progress: FlashJobProgress | undefined;
  result: FlashResult | undefined;
  error: ErrorPayload | undefined;
  private readonly lines: string[] = [];

  constructor(id: string, port: string, size: number) {
    this.id = id;
    this.port = port;
    this.size = size;
  }

  addLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
  }

  snapshot(): FlashJobSnapshot {
    return {
      id: this.id,
      port: this.port,
      size: this.size,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      ...(this.finishedAt ? { finishedAt: this.finishedAt.toISOString() } : {}),
      ...(this.progress ? { progress: { ...this.progress } } : {}),
      ...(this.result ? { result: this.result } : {}),
      ...(this.error ? { error: this.error } : {}),
      log: [...this.lines],
    };
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * The log line a flasher event stands for, if any. Progress is not a line (it has its own event), and the
 * boot log arrives whole with the result. `manualShown`: the manual-reset instructions were logged already.
 */
export function logLineOf(event: FlashEvent, manualShown: boolean): string | undefined {
  switch (event.type) {
    case 'status':
      return event.message;
    case 'manual':
      // The instructions once, then only the countdown (one per connect attempt).
      return manualShown ? `Waiting for the reset: ${event.secondsLeft} s left…` : `${event.instructions} Waiting ${event.secondsLeft} s…`;
    case 'warning':
      return `Warning (${event.code}): ${event.message}. ${event.hint}`;
    case 'connected':
      return `Connected to ${event.chip} by ${event.reset}`;
    case 'progress':
    case 'boot-log':
      return undefined;
  }
}

/** The closing line of a job that went well. */
export function doneLine(result: FlashResult): string {
  return `Wrote ${result.length} bytes at ${hex(result.offset)} in ${result.writeSeconds.toFixed(1)} s `
    + `(${Math.round(result.effectiveKbps)} kbit/s at ${result.baudRate} baud), MD5 verified`;
}

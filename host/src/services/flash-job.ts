import type { FlashEvent, FlashOptions, FlashResult } from '../devices/flasher/flasher.js';
import type { JobEvents, JobSnapshot, JobState } from './job-runner.js';

export type FlashJobState = JobState;

/** What a flash job is asked to do; the image has passed checkUpload. */
export type FlashJobRequest = Pick<FlashOptions, 'image' | 'offset' | 'baudRate' | 'erase' | 'before' | 'force'> & {
  /** A serial port as GET /api/ports lists it; omitted: the one likely ESP board. */
  port?: string;
};

export type FlashJobProgress = Omit<Extract<FlashEvent, { type: 'progress' }>, 'type'>;

/** A job as GET /api/jobs/:id returns it. */
export type FlashJobSnapshot = JobSnapshot<FlashJobProgress, FlashResult, { size: number }>;

/** The events FlashJobs emits, which socket.io forwards to every page as they are. */
export type FlashJobEvents = JobEvents<FlashJobProgress, FlashResult, FlashJobSnapshot>;

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
  return (
    `Wrote ${result.length} bytes at ${hex(result.offset)} in ${result.writeSeconds.toFixed(1)} s ` +
    `(${Math.round(result.effectiveKbps)} kbit/s at ${result.baudRate} baud), MD5 verified`
  );
}

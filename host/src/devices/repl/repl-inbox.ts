import { ReplParser, type ReplEvent } from '../../../../protocol/src/repl/index.js';
import type { Esp32CamError } from '../../errors.js';
import type { ReplLink } from './link.js';
import { linkLost } from './repl-errors.js';

const RECENT_CHARS = 200;

/**
 * Bytes from the link, parsed into events and queued until the session asks for them. Keeps what it
 * needs to explain a failure: how many bytes came at all, the last text seen, when data last arrived.
 */
export class ReplInbox {
  readonly parser = new ReplParser();
  bytesSeen = 0;
  lastDataAt = 0;
  private recent = '';
  private queue: ReplEvent[] = [];
  private wake: (() => void) | undefined;
  private lost: Esp32CamError | undefined;

  private readonly onData = (chunk: Uint8Array): void => {
    this.bytesSeen += chunk.length;
    this.lastDataAt = Date.now();
    this.recent = (this.recent + Buffer.from(chunk).toString('latin1')).slice(-RECENT_CHARS);
    this.queue.push(...this.parser.feed(chunk));
    this.notify();
  };
  private readonly onClose = (): void => {
    this.lost ??= linkLost();
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.lost ??= linkLost(err);
    this.notify();
  };

  constructor(private readonly link: ReplLink) {
    link.on('data', this.onData);
    link.on('close', this.onClose);
    link.on('error', this.onError);
  }

  detach(): void {
    this.link.off('data', this.onData);
    this.link.off('close', this.onClose);
    this.link.off('error', this.onError);
  }

  /** The last characters received, printable, for error messages. */
  recentText(): string {
    return this.recent.replace(/[^\x20-\x7e\n]/g, '').trim();
  }

  get linkError(): Esp32CamError | undefined {
    return this.lost;
  }

  /** Drops events not yet taken (after an interrupt, what was running printed things nobody asked for). */
  clear(): void {
    this.queue = [];
  }

  poll(): ReplEvent | undefined {
    return this.queue.shift();
  }

  /** The next event, or undefined once `deadline` (ms since the epoch) passes. Throws if the link is gone. */
  async next(deadline: number): Promise<ReplEvent | undefined> {
    for (;;) {
      const event = this.queue.shift();
      if (event) return event;
      if (this.lost) throw this.lost;
      const wait = deadline - Date.now();
      if (wait <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, wait);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Resolves once no data has arrived for `quietMs`, or at `deadline`. */
  async quiet(quietMs: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const idle = Date.now() - this.lastDataAt;
      if (idle >= quietMs) return;
      await new Promise((r) => setTimeout(r, Math.min(quietMs - idle, deadline - Date.now())));
    }
  }

  private notify(): void {
    this.wake?.();
  }
}

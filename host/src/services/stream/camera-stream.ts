import { EventEmitter } from 'node:events';
import { Esp32CamError } from '../../errors.js';
import { logger } from '../../log/index.js';
import type { CaptureService } from '../cameras/index.js';
import { errorPayload, type ErrorPayload } from '../error-payload.js';

const log = logger('service');

/** One frame of a live stream; it is handed to the viewers and forgotten, never stored. */
export interface StreamFrame {
  jpeg: Buffer;
  takenAt: Date;
  /** Counts the stream's frames from 1, across viewers. */
  seq: number;
}

/** Where one viewer's frames go (an HTTP response, for the routes). */
export interface FrameSink {
  /** Whether the viewer has taken the last frame: false while it still sits in the send buffer. */
  ready(): boolean;
  write(frame: StreamFrame): void;
  /** The stream is closing under the viewer (the service stops). */
  end(): void;
}

export interface ViewerStats {
  sent: number;
  /** Frames skipped because the viewer had not taken the one before. */
  dropped: number;
}

export interface Viewer {
  readonly stats: ViewerStats;
  /** The viewer is gone; the loop stops with the last one. Calling it twice is harmless. */
  leave(): void;
}

export interface CameraStreamOptions {
  maxViewers: number;
  /** The wait after a failed capture; it doubles with each failure in a row, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export type CameraStreamEvents = {
  /** The capture loop started (the first viewer came). */
  running: [];
  /** The capture loop ended (the last viewer left, or the stream closed). */
  idle: [];
  frame: [StreamFrame];
  /** A capture failed; the loop waits `retryInMs` and tries again while anyone watches. */
  'capture-failed': [ErrorPayload & { retryInMs: number }];
};

/**
 * One camera's live stream: a single capture loop, back to back through the camera's CaptureService (so a
 * still asked for meanwhile shares the capture in flight), feeding every viewer. A viewer that has not
 * taken its last frame skips the next ones, so a slow one neither holds the others back nor piles up frames.
 *
 * Frames are taken with fresh false (back to back, the held frame is only one frame old) and never flash on
 * their own. When the camera wants light (flash mode `on`, or `auto` after a photo found the scene dark), the
 * LED goes on as the loop starts and off as it ends, as CameraWebServer's stream_handler does.
 */
export class CameraStream extends EventEmitter<CameraStreamEvents> {
  private readonly sinks = new Map<FrameSink, ViewerStats>();
  private loop: Promise<void> | undefined;
  /** The LED being put out after a lit loop ended; close() waits for it, so the service never leaves it on. */
  private unlighting: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private seq = 0;
  private closed = false;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    readonly camera: CaptureService,
    private readonly opts: CameraStreamOptions,
  ) {
    super();
    this.backoffMs = opts.backoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 4000;
  }

  get viewers(): number {
    return this.sinks.size;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  get maxViewers(): number {
    return this.opts.maxViewers;
  }

  /** Adds a viewer, starting the loop if it is the first; E_STREAM_FULL when the limit is reached. */
  join(sink: FrameSink): Viewer {
    if (this.closed)
      throw new Esp32CamError('E_CLOSED', `The live stream of camera "${this.camera.name}" is closed`, 'The service is stopping; try again once it is back.');
    if (this.sinks.size >= this.opts.maxViewers) {
      throw new Esp32CamError(
        'E_STREAM_FULL',
        `Camera "${this.camera.name}" already has ${this.sinks.size} live-stream viewers, the limit (stream.maxViewers = ${this.opts.maxViewers})`,
        'Close another viewer of this camera, or raise "stream.maxViewers" in the config and restart the service.',
      );
    }
    const stats: ViewerStats = { sent: 0, dropped: 0 };
    this.sinks.set(sink, stats);
    this.loop ??= this.run();
    return { stats, leave: () => this.leave(sink) };
  }

  /** Ends every viewer and waits for the capture in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const sink of [...this.sinks.keys()]) {
      this.sinks.delete(sink);
      sink.end();
    }
    this.wake?.();
    await this.loop;
    await this.unlighting;
  }

  private leave(sink: FrameSink): void {
    if (!this.sinks.delete(sink)) return;
    // A loop waiting out a backoff stops now rather than after the wait.
    if (this.sinks.size === 0) this.wake?.();
  }

  private async run(): Promise<void> {
    this.emit('running');
    let failures = 0;
    const lit = this.camera.streamNeedsLight;
    try {
      if (lit) await this.light(true);
      while (this.sinks.size > 0 && !this.closed) {
        try {
          // No pause between frames: the camera stays busy, so the keep-alive never needs to ask it anything.
          const shot = await this.camera.streamFrame({ fresh: false, flash: 'off' });
          failures = 0;
          this.deliver({ jpeg: shot.jpeg, takenAt: shot.takenAt, seq: ++this.seq });
        } catch (err) {
          failures += 1;
          const retryInMs = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (failures - 1));
          const payload = errorPayload(err);
          if (failures === 1)
            log.warn(`camera "${this.camera.name}": a live-stream capture failed (${payload.code}: ${payload.message}); retrying while viewers watch`);
          if (!(err instanceof Esp32CamError)) log.error(`camera "${this.camera.name}": unexpected error in the live stream`, err);
          this.emit('capture-failed', { ...payload, retryInMs });
          await this.pause(retryInMs);
        }
      }
    } finally {
      // Not awaited here: a viewer coming meanwhile must find the loop ended and start the next one. The
      // camera's queue keeps the order, so that loop's own LED command comes after this one.
      if (lit) this.unlighting = this.light(false);
      this.loop = undefined;
      this.emit('idle');
    }
  }

  /** Switches the LED for the stream; a failure is logged, since the frames tell the viewers what is wrong. */
  private async light(on: boolean): Promise<void> {
    try {
      await this.camera.setLed(on);
    } catch (err) {
      log.warn(`camera "${this.camera.name}": could not switch the flash LED ${on ? 'on' : 'off'} for the live stream: ${errorPayload(err).message}`);
    }
  }

  private deliver(frame: StreamFrame): void {
    this.emit('frame', frame);
    for (const [sink, stats] of this.sinks) {
      if (!sink.ready()) {
        stats.dropped += 1;
        continue;
      }
      sink.write(frame);
      stats.sent += 1;
    }
  }

  /** Waits `ms`, or less when the last viewer leaves or the stream closes. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

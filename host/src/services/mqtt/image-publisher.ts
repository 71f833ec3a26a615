import { logger } from '../../log/index.js';

const log = logger('mqtt');

export interface ImagePublisherOptions {
  /** While a stream or a schedule takes photos, one image per camera at most this often. */
  intervalMs: number;
  /** Larger photos are not published. */
  maxBytes: number;
  /** Sends one image; false when it could not (not connected). `done` runs when it is out. */
  send(camera: string, jpeg: Buffer, done: () => void): boolean;
  now?: () => number;
}

interface CameraSlot {
  lastSentAt: number | undefined;
  inFlight: boolean;
  /** The newest image waiting for its turn: one at most, so a slow broker never piles photos up. */
  pending: { jpeg: Buffer; throttled: boolean } | undefined;
  timer: NodeJS.Timeout | undefined;
  warnedSize: boolean;
}

/**
 * Puts each camera's latest photo on its image topic, off the capture path. A photo taken on demand goes
 * at once; frames of a stream or timelapse go at most every `intervalMs`, the newest winning. While one
 * image of a camera is being sent, only the newest next one is kept; when the broker is away none is.
 */
export class ImagePublisher {
  private readonly slots = new Map<string, CameraSlot>();
  private readonly now: () => number;
  private closed = false;
  /** Photos not published because they were over maxBytes. */
  tooLarge = 0;

  constructor(private readonly opts: ImagePublisherOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A new photo of `camera`; `throttled` for stream and timelapse frames. */
  offer(camera: string, jpeg: Buffer, throttled: boolean): void {
    if (this.closed) return;
    if (jpeg.length > this.opts.maxBytes) {
      this.tooLarge++;
      const slot = this.slot(camera);
      if (!slot.warnedSize) {
        slot.warnedSize = true;
        log.warn(
          `camera "${camera}": a ${jpeg.length}-byte photo is over mqtt.imageMaxBytes (${this.opts.maxBytes}) and is not published; raise the limit to publish such photos`,
        );
      }
      return;
    }
    const slot = this.slot(camera);
    slot.pending = { jpeg, throttled };
    if (slot.inFlight) return;
    const wait = throttled && slot.lastSentAt !== undefined ? slot.lastSentAt + this.opts.intervalMs - this.now() : 0;
    if (wait <= 0) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      this.sendPending(camera, slot);
    } else {
      slot.timer ??= setTimeout(() => {
        slot.timer = undefined;
        this.sendPending(camera, slot);
      }, wait);
      slot.timer.unref();
    }
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      slot.pending = undefined;
    }
  }

  private sendPending(camera: string, slot: CameraSlot): void {
    const next = slot.pending;
    if (!next || this.closed) return;
    slot.pending = undefined;
    slot.inFlight = true;
    const sent = this.opts.send(camera, next.jpeg, () => {
      slot.inFlight = false;
      // A photo that came while this one was on its way takes its turn now, or when its interval allows.
      if (slot.pending) this.offer(camera, slot.pending.jpeg, slot.pending.throttled);
    });
    if (sent) slot.lastSentAt = this.now();
    else slot.inFlight = false;
  }

  private slot(camera: string): CameraSlot {
    let slot = this.slots.get(camera);
    if (!slot) {
      slot = { lastSentAt: undefined, inFlight: false, pending: undefined, timer: undefined, warnedSize: false };
      this.slots.set(camera, slot);
    }
    return slot;
  }
}

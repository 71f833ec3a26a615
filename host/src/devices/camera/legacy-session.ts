import {
  checkJpeg,
  decodeLegacyReply,
  encodeLegacyCommand,
  LEGACY_CHUNK,
  STATUS_DATA,
  STATUS_FAILED,
  STATUS_OK,
  type LegacyCommand,
  type LegacyReply,
} from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import { BusLink, sleep } from './bus-link.js';
import { DEFAULT_BUS_HZ, pollIntervalMs } from './bus-pacing.js';
import { FlashLed } from './flash-led.js';
import type { CaptureOptions, CaptureProgress } from './types.js';

/**
 * Timing of the legacy slave, from docs/hardware.md §2: a command reaches the script 10–20 ms after it is
 * written, and writes inside that window merge. The reference master waits a fixed 50 ms; this client polls
 * from just before the shortest latency with reads of a few bytes (under half a millisecond of wire at 100 kHz),
 * and tells a reply from the empty ring's garbage by its shape (see sliceHeader()).
 */
export const LEGACY_TIMING = {
  firstPollMs: 9,
  pollMs: 1,
  /** Before a second look at data that may not have been queued yet (finishSlice). */
  settleMs: 22,
  /** Long enough for any command in flight to be answered before a drain. */
  quietMs: 250,
  /** Bytes read to empty the TX ring: the field script's ring is 256 bytes. */
  drainBytes: 300,
  /** A 100 equal to the idle garbage is trusted only after this long (200 is never ambiguous, see unambiguous()). */
  trustAmbiguousAfterMs: 400,
  /**
   * The same for `capture`: a camera that fails answers only once esp_camera_fb_get() gives up, after 4 s
   * (FB_GET_TIMEOUT in esp32-camera's esp_camera.c), so an idle 100 before then is the ring, not the answer.
   */
  trustAmbiguousCaptureAfterMs: 4500,
};

export interface LegacyOptions {
  commandTimeoutMs: number;
  captureTimeoutMs: number;
  maxSlice?: number;
  /** The bus clock in Hz; a slow one is polled less often. Default 100000. */
  busHz?: number;
}

/** Any command a legacy script does not know: it answers 100 and feeds its watchdog. */
const FENCE = new TextEncoder().encode('?');

/** A reply that cannot be garbage was half consumed: the ring holds an unknown tail now. */
class Desync extends Error {}

function badReply(err: Desync): Esp32CamError {
  return new Esp32CamError(
    'E_BAD_REPLY',
    `The camera sent a malformed reply: ${err.message}`,
    'Check the wiring and pull-ups; the client resynchronises and retries.',
  );
}

/**
 * The legacy protocol, paced and checked so that its quirks cannot desync the client: it never writes while a
 * reply is outstanding (no merging), it treats a reply equal to the ring's idle garbage as "nothing yet", and
 * anything inconsistent makes it drain the ring and start the photo again rather than guess.
 */
export class LegacySession {
  readonly protocol = 'legacy' as const;
  private readonly maxSlice: number;
  private needsDrain = true;
  private readonly pollMs: number;
  private readonly led = new FlashLed((on) => this.simple(on ? 'flash-on' : 'flash-off'));

  constructor(
    private readonly link: BusLink,
    private readonly options: LegacyOptions,
  ) {
    this.maxSlice = options.maxSlice ?? LEGACY_CHUNK;
    // Polls read at most 3 bytes: at 100 kHz and above the floor rules, below it they would crowd the wire.
    this.pollMs = pollIntervalMs(LEGACY_TIMING.pollMs, 3, options.busHz ?? DEFAULT_BUS_HZ);
  }

  async ping(): Promise<void> {
    await this.simple('ping');
  }

  async setLed(on: boolean): Promise<void> {
    await this.led.set(on);
  }

  /**
   * Takes a photo and reads it slice by slice. One attempt: the caller retries. The field script knows no
   * fresh or flash, so the host does them (protocol/README.md, CAPTURE flags): a `capture` whose photo is
   * never read before the one that is, and `flash-on` 150 ms before those and `flash-off` after them.
   */
  async capture(attempt: number, progress: (p: CaptureProgress) => void, options: CaptureOptions = {}): Promise<Buffer> {
    if (this.needsDrain) await this.drain();
    try {
      progress({ phase: 'capturing', bytes: 0, attempt });
      const fresh = options.fresh === true || options.flash === true;
      const status = options.flash ? await this.led.lit(() => this.captureStatuses(fresh)) : await this.captureStatuses(fresh);
      if (status === STATUS_FAILED) {
        throw new Esp32CamError(
          'E_CAMERA_FAILED',
          'The camera could not take a photo (status 100)',
          'Check the camera ribbon cable and that the board has PSRAM; the slave script prints the reason on its serial console.',
        );
      }
      progress({ phase: 'downloading', bytes: 0, attempt });
      const photo = await this.download(attempt, progress);
      progress({ phase: 'verifying', bytes: photo.length, total: photo.length, attempt });
      const check = checkJpeg(photo);
      if (!check.ok) {
        if (photo.length === 0) {
          throw new Esp32CamError(
            'E_CAMERA_FAILED',
            'The camera accepted the capture but had no photo to send',
            'The sensor failed to deliver a frame: check the camera ribbon cable and PSRAM, then try again.',
          );
        }
        throw new Esp32CamError(
          'E_INVALID_JPEG',
          `The photo is not a complete JPEG: ${check.reason}`,
          'This is usually a transient sensor or bus error; capture again.',
        );
      }
      return photo;
    } catch (err) {
      if (err instanceof Desync) {
        this.needsDrain = true;
        throw badReply(err);
      }
      // Whatever failed, the ring may hold a reply that arrived late; empty it before the next command.
      this.needsDrain = true;
      throw err;
    }
  }

  /** Empties the TX ring once nothing is in flight, and learns what an empty ring reads as. */
  async drain(): Promise<void> {
    await sleep(LEGACY_TIMING.quietMs);
    await this.link.read(LEGACY_TIMING.drainBytes);
    this.needsDrain = false;
  }

  private async simple(command: LegacyCommand): Promise<void> {
    if (this.needsDrain) await this.drain();
    let status: number;
    try {
      await this.unambiguous();
      status = await this.status(command, this.options.commandTimeoutMs, LEGACY_TIMING.trustAmbiguousAfterMs);
    } catch (err) {
      // A stray byte (a stuck bus reads 0x00) is a malformed reply to the user, never a bare Error.
      if (err instanceof Desync) throw badReply(err);
      throw err;
    }
    if (status !== STATUS_OK) {
      throw new Esp32CamError(
        'E_BAD_STATUS',
        `The camera answered ${status} to "${command}"`,
        'The slave script refused the command; check that it is a script that speaks this protocol.',
      );
    }
  }

  /** `capture`, twice when fresh: the first one only moves the held frame out. Stops at the first failure. */
  private async captureStatuses(fresh: boolean): Promise<number> {
    const status = await this.captureStatus();
    if (!fresh || status !== STATUS_OK) return status;
    return this.captureStatus();
  }

  /** The capture status arrives after the camera is done, which can take far longer than a command. */
  private async captureStatus(): Promise<number> {
    await this.unambiguous();
    const trustAfterMs = Math.min(this.options.captureTimeoutMs, LEGACY_TIMING.trustAmbiguousCaptureAfterMs);
    return this.status('capture', this.options.captureTimeoutMs, trustAfterMs);
  }

  /**
   * A 200 cannot be told from the idle garbage when the last byte the slave sent was itself a 200. Sending an
   * unknown command first fixes that: its 100 is unambiguous against an idle 200, and leaves 100 as the idle
   * byte, against which the next 200 is unambiguous. It also proves the script is alive, which a garbage 200
   * would not.
   */
  private async unambiguous(): Promise<void> {
    if (this.link.idleByte !== STATUS_OK) return;
    await this.link.write(FENCE);
    const started = Date.now();
    await sleep(LEGACY_TIMING.firstPollMs);
    for (;;) {
      const byte = (await this.link.read(1))[0]!;
      if (byte === STATUS_FAILED) return;
      if (byte !== STATUS_OK && byte !== 0xff) {
        this.needsDrain = true;
        throw new Desync(`byte 0x${byte.toString(16)} while waiting for the answer to an unknown command`);
      }
      if (Date.now() - started > this.options.commandTimeoutMs) {
        this.needsDrain = true;
        throw new Esp32CamError(
          'E_TIMEOUT',
          `The camera did not answer within ${this.options.commandTimeoutMs} ms`,
          'Check that the slave script is running (its watchdog reboots the board after 60 s without commands) and the wiring.',
        );
      }
      await sleep(this.pollMs);
    }
  }

  /**
   * Writes a command and polls for its one-byte status. A byte different from the idle garbage is a real
   * reply. One equal to it is ambiguous: unambiguous() keeps that from happening to a 200, and a 100 equal to
   * an idle 100 is taken only after `trustAfterMs`, when the reply must be there.
   */
  private async status(command: LegacyCommand, timeoutMs: number, trustAfterMs: number): Promise<number> {
    await this.link.write(encodeLegacyCommand(command));
    const started = Date.now();
    await sleep(LEGACY_TIMING.firstPollMs);
    for (;;) {
      const idle = this.link.idleByte;
      const byte = (await this.link.read(1))[0]!;
      const known = byte === STATUS_OK || byte === STATUS_FAILED;
      if (known && (byte !== idle || Date.now() - started >= trustAfterMs)) return byte;
      if (!known && byte !== idle && byte !== 0xff) {
        // A real byte that is no status: stale bytes from an earlier exchange. It is consumed now.
        this.needsDrain = true;
        throw new Desync(`status byte 0x${byte.toString(16)} to "${command}"`);
      }
      if (Date.now() - started > timeoutMs) {
        this.needsDrain = true;
        throw new Esp32CamError(
          'E_TIMEOUT',
          `The camera did not answer "${command}" within ${timeoutMs} ms`,
          'Check that the slave script is running (its watchdog reboots the board after 60 s without commands) and the wiring.',
        );
      }
      await sleep(this.pollMs);
    }
  }

  /**
   * Reads slices until the empty one. Every slice but the last has the first slice's size. The next `get` goes
   * out as soon as the current slice's header is in: the script has then answered the current one, so the two
   * cannot merge, and its 10–20 ms latency passes while the master clocks in the current slice's data.
   */
  private async download(attempt: number, progress: (p: CaptureProgress) => void): Promise<Buffer> {
    const slices: Buffer[] = [];
    let received = 0;
    let sliceSize: number | undefined;
    let short = false;
    let sent = await this.sendGet();
    for (;;) {
      const length = await this.sliceHeader(sent, slices.length === 0);
      if (length > 0) sent = await this.sendGet();
      const data = length === 0 ? Buffer.alloc(0) : await this.sliceData(length);
      if (data.length === 0) break;
      if (short || (sliceSize !== undefined && data.length > sliceSize)) {
        throw new Desync(`slice of ${data.length} bytes after a ${short ? 'short' : `${sliceSize}-byte`} slice`);
      }
      sliceSize ??= data.length;
      if (data.length < sliceSize) short = true;
      slices.push(data);
      received += data.length;
      progress({ phase: 'downloading', bytes: received, attempt });
    }
    return Buffer.concat(slices, received);
  }

  /** Writes `get` and returns when it went out. */
  private async sendGet(): Promise<number> {
    const at = Date.now();
    await this.link.write(encodeLegacyCommand('get'));
    return at;
  }

  /**
   * Polls for the header of a `get` answer (201, then a 2-byte length of at most maxSlice) and returns the
   * length, having consumed exactly the header.
   *
   * The empty ring reads as one byte repeated (the last one sent, or 0xFF), which can never be a whole header:
   * its length's low byte is at most maxSlice (< 201) and its high byte 0. So a 3-byte read is either a header,
   * or garbage that consumed nothing, or, as the field script queues status, length and data with three
   * setdata calls, a lone 201 that the rest repeats. That lone 201 is consumed; it is recognised because it
   * differs from the idle byte, except when the idle byte is itself 201 (a slice that ended in 0xC9). Then the
   * next reads tell: a header that starts with 201 means nothing was consumed, a bare length means the 201 was.
   */
  private async sliceHeader(sentAt: number, first: boolean): Promise<number> {
    const wait = LEGACY_TIMING.firstPollMs - (Date.now() - sentAt);
    if (wait > 0) await sleep(wait);
    const max = this.maxSlice;
    const isLength = (lo: number, hi: number) => lo <= max && hi === 0;
    // 'none': nothing consumed; 'status': the 201 consumed; 'maybe': the 201 may have been consumed.
    let state: 'none' | 'status' | 'maybe' = 'none';
    for (;;) {
      const idle = this.link.idleByte;
      if (state === 'none') {
        const b = await this.link.read(3);
        if (b[0] === STATUS_DATA && isLength(b[1]!, b[2]!)) return b[1]!;
        const uniform = b[0] === b[1] && b[1] === b[2];
        if (uniform && b[0] === STATUS_DATA) state = idle === STATUS_DATA ? 'maybe' : 'status';
        else if (!(uniform && (b[0] === idle || b[0] === 0xff))) {
          // Neither a header nor garbage: a refusal (100) or bytes left over from an earlier exchange.
          this.checkedReply(decodeLegacyReply(b, max));
          throw new Desync(`bytes ${b.toString('hex')} where a slice header was due`);
        }
      } else {
        const b = await this.link.read(2);
        if (isLength(b[0]!, b[1]!) && (state === 'status' || b[0] !== STATUS_DATA)) return b[0]!;
        if (state === 'maybe' && b[0] === STATUS_DATA && b[1]! <= max) {
          // The 201 was still queued: this read took it and the length's low byte; the high byte follows.
          const hi = (await this.link.read(1))[0]!;
          if (hi !== 0) throw new Desync(`slice length high byte 0x${hi.toString(16)}`);
          return b[1]!;
        }
        if (!(b[0] === STATUS_DATA && b[1] === STATUS_DATA)) throw new Desync(`bytes ${b.toString('hex')} where a slice length was due`);
      }
      if (Date.now() - sentAt > this.options.commandTimeoutMs) {
        this.needsDrain = true;
        if (first && state === 'none') {
          // The field script raises inside its callback on `get` after a failed capture (len(False)).
          throw new Esp32CamError(
            'E_CAMERA_FAILED',
            'The camera accepted the capture but never sent the photo',
            'The field slave script answers 200 even when the camera fails; check the camera ribbon cable and PSRAM.',
          );
        }
        throw new Esp32CamError(
          'E_TIMEOUT',
          `The camera stopped answering "get" after ${this.options.commandTimeoutMs} ms`,
          'Check the wiring and that the slave script is still running.',
        );
      }
      await sleep(this.pollMs);
    }
  }

  /**
   * Reads a slice's data, its header already consumed. Data that looks like filler repeating the header's last
   * byte (0) may not have been queued yet: it is read again after a pause. Should it still be missing then, it
   * arrives later as stale bytes, and the next `get` sees them (every slice is followed by at least the empty
   * one), so the photo is taken again rather than returned.
   */
  private async sliceData(length: number): Promise<Buffer> {
    const data = await this.link.read(length);
    if (!data.every((b) => b === 0)) return data;
    await sleep(LEGACY_TIMING.settleMs);
    return this.link.read(length);
  }

  /** A decoded answer to `get` that must be a slice: anything else is the camera's failure or a desync. */
  private checkedReply(reply: LegacyReply): { data: Uint8Array; length: number } {
    switch (reply.kind) {
      case 'data':
        return reply;
      case 'failed':
        throw new Esp32CamError(
          'E_CAMERA_FAILED',
          'The camera has no photo to send (status 100 to "get")',
          'The capture failed on the board; check the camera ribbon cable and PSRAM, then try again.',
        );
      case 'ok':
        throw new Desync('status 200 to "get"');
      case 'malformed':
        throw new Desync(`${reply.reason} (answer to "get")`);
      case 'incomplete':
        // A read always asks for the longest possible slice, so this is a length the slave cannot have sent.
        throw new Desync(`a "get" answer cut short (${reply.need} bytes needed)`);
    }
  }
}

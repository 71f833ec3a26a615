import {
  checkJpeg,
  decodeLegacyReply,
  decodeLegacySlice,
  encodeLegacyCommand,
  LEGACY_CHUNK,
  STATUS_DATA,
  STATUS_FAILED,
  STATUS_OK,
  type LegacyCommand,
  type LegacyReply,
  type LegacySlice,
} from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import { BusLink, sleep } from './bus-link.js';
import { FlashLed } from './flash-led.js';
import type { CaptureOptions, CaptureProgress } from './types.js';

/**
 * Timing of the legacy slave, from docs/hardware.md §2: a command reaches the script 10–20 ms after it is
 * written, and writes inside that window merge. Reading at 22 ms means the reply of a quick command is queued
 * (the script answers within a millisecond or two of seeing it); the reference master waits 50 ms.
 */
export const LEGACY_TIMING = {
  settleMs: 22,
  pollMs: 5,
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
  private readonly led = new FlashLed((on) => this.simple(on ? 'flash-on' : 'flash-off'));

  constructor(
    private readonly link: BusLink,
    private readonly options: LegacyOptions,
  ) {
    this.maxSlice = options.maxSlice ?? LEGACY_CHUNK;
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
    await sleep(LEGACY_TIMING.settleMs);
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
      await sleep(LEGACY_TIMING.pollMs);
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
    await sleep(LEGACY_TIMING.settleMs);
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
      await sleep(LEGACY_TIMING.pollMs);
    }
  }

  /** Reads slices until the empty one. Every slice but the last has the first slice's size. */
  private async download(attempt: number, progress: (p: CaptureProgress) => void): Promise<Buffer> {
    const slices: Buffer[] = [];
    let received = 0;
    let sliceSize: number | undefined;
    let short = false;
    for (;;) {
      const data = await this.getSlice(slices.length === 0);
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

  /**
   * One `get`: reads status, length and a whole slice in one read. Reading past a short reply is harmless,
   * since nothing else is queued behind it and a read of an empty ring consumes nothing.
   *
   * The field script queues a reply with three setdata calls (status, length, data), so a read can land
   * between them: it then gets the parts already queued, followed by garbage that repeats the last of them.
   * Such a read is finished where it stopped rather than thrown away, because what it took is gone from the
   * ring: a lone 201 followed by 0xC9 0xC9 (an impossible length), or a header whose data bytes all equal its
   * last byte. In that last case the data may also have been real and uniform; reading again then returns
   * the same bytes as garbage, so the slice is right either way.
   */
  private async getSlice(first: boolean): Promise<Buffer> {
    await this.link.write(encodeLegacyCommand('get'));
    const started = Date.now();
    await sleep(LEGACY_TIMING.settleMs);
    let haveStatus = false;
    for (;;) {
      const idle = this.link.idleByte;
      if (!haveStatus) {
        const bytes = await this.link.read(3 + this.maxSlice);
        const garbage = bytes.every((b) => b === idle || b === 0xff);
        // A lone 201 followed by its own repeat: the length is not queued yet, and the 201 is consumed.
        if (!garbage && bytes[0] === STATUS_DATA && bytes[1] === STATUS_DATA && bytes[2] === STATUS_DATA) haveStatus = true;
        else if (!garbage) return this.finishSlice(this.checkedReply(decodeLegacyReply(bytes, this.maxSlice)), bytes);
      } else {
        const bytes = await this.link.read(2 + this.maxSlice);
        if (!(bytes[0] === STATUS_DATA && bytes[1] === STATUS_DATA)) {
          return this.finishSlice(this.checkedReply(decodeLegacySlice(bytes, this.maxSlice)), Buffer.concat([Buffer.of(STATUS_DATA), bytes]));
        }
      }
      if (Date.now() - started > this.options.commandTimeoutMs) {
        this.needsDrain = true;
        if (first && !haveStatus) {
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
      await sleep(LEGACY_TIMING.pollMs);
    }
  }

  /** A decoded answer to `get` that must be a slice: anything else is the camera's failure or a desync. */
  private checkedReply(reply: LegacyReply | LegacySlice): { data: Uint8Array; length: number } {
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

  /**
   * `read` is the whole read that held the slice, starting at its 201. When the data looks like filler
   * repeating the header's last byte, it may not have been queued yet: read it again after a pause. Should
   * it still be missing then, it arrives later as stale bytes, and the next `get` sees them (every slice is
   * followed by at least the empty one), so the photo is taken again rather than returned.
   */
  private async finishSlice(slice: { data: Uint8Array; length: number }, read: Buffer): Promise<Buffer> {
    const last = read[2]!;
    if (slice.length === 0 || !slice.data.every((b) => b === last)) return Buffer.from(slice.data);
    await sleep(LEGACY_TIMING.settleMs);
    return this.link.read(slice.length);
  }
}

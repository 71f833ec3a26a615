import { checkJpeg, crc32, STATUS_DATA, STATUS_FAILED, STATUS_OK, v2 } from '../../../../protocol/src/index.js';
import { Esp32CamError } from '../../errors.js';
import { I2C_DEV_MAX_MESSAGE } from '../../transports/i2c-transport.js';
import { BusLink, sleep } from './bus-link.js';
import { chunkForClock, pollIntervalMs, wireMs } from './bus-pacing.js';
import { FlashLed } from './flash-led.js';
import type { CaptureOptions, CaptureProgress } from './types.js';

/**
 * Replies of protocol 2 enter the ring whole (one setdata), and a repeated garbage byte can never look like the
 * two-byte magic, so polling early is safe: the first poll comes just before the shortest command latency,
 * counted from when the request went out (a request sent ahead is usually answered by the time it is wanted).
 */
export const V2_TIMING = {
  firstPollMs: 9,
  pollMs: 2,
  /** Tries of one request (READ is idempotent) before the error is reported. */
  attempts: 4,
  /**
   * A READ sent this long ago has been answered (10 to 20 ms, docs/hardware.md §2), so its whole reply is read in
   * one message rather than a header poll and the rest. Too early would cost a whole chunk of filler.
   */
  replyDueMs: 40,
  /** READs whose replies may wait in the slave's TX ring at once, at most, whatever its size allows. */
  maxReadsInFlight: 3,
};

export interface V2Options {
  commandTimeoutMs: number;
  captureTimeoutMs: number;
  /** The bus clock in Hz: chunk sizes, poll intervals and read timeouts follow from it. */
  busHz: number;
}

/** A READ on its way: sent, and its reply not read yet. */
interface PendingRead {
  offset: number;
  seq: number;
  sentAt: number;
  /** Sent behind CAPTURE with the photo id the slave was expected to give: it may be refused. */
  guessed?: boolean;
}

type Reply = { status: number; payload: Uint8Array };

/** Bytes per READ when a chunk is asked again after a damaged reply (readInPieces). */
const RETRY_PIECE = 128;

/** Why one exchange did not produce a checked reply; all of these are worth asking again. */
class Retryable extends Error {}

export class V2Session {
  readonly protocol = 'v2' as const;
  private seq = Math.floor(Math.random() * 256);
  private hello: v2.HelloInfo | undefined;
  private readonly led = new FlashLed((on) => this.driveLed(on));
  /**
   * Whether the script honours CAPTURE's flags: unknown until a CAPTURE with flags was answered. A script older
   * than the flags answers without echoing them, and from then on the host does fresh and flash itself.
   */
  private flagsHonoured: boolean | undefined;
  /** The photo id of the last CAPTURE answered: the next photo's id is one more, which lets READ go out early. */
  private lastPhotoId: number | undefined;
  /** A READ of the next photo's first chunk, sent right behind its CAPTURE (see captureOnce). */
  private early: { photoId: number; seq: number; sentAt: number } | undefined;

  constructor(
    private readonly link: BusLink,
    private readonly options: V2Options,
  ) {}

  get firmware(): string | undefined {
    return this.hello?.firmware;
  }

  /** Chunk length: what the slave allows, within one i2c-dev message and what the clock crosses in CHUNK_WIRE_MS. */
  get chunk(): number {
    const max = this.hello?.maxChunk ?? 1024;
    return Math.min(max, I2C_DEV_MAX_MESSAGE - v2.REPLY_OVERHEAD, chunkForClock(this.options.busHz, v2.REPLY_OVERHEAD));
  }

  /** The pause between two header polls (a slow clock polls less often). */
  private get pollMs(): number {
    return pollIntervalMs(V2_TIMING.pollMs, v2.REPLY_HEADER_LENGTH, this.options.busHz);
  }

  /**
   * Sends HELLO and reads the answer. Resolves the slave's info, or `legacy` when the first byte back is a
   * legacy 100 (an unknown command to a legacy script), or `silent` when nothing came back in time.
   */
  async probe(timeoutMs: number): Promise<v2.HelloInfo | 'legacy' | 'silent'> {
    // A probe follows a reboot or a new board as often as not: its photo ids start again.
    this.lastPhotoId = undefined;
    const seq = this.nextSeq();
    const idle = this.link.idleByte;
    await this.link.write(v2.encodeRequest(seq, v2.Op.HELLO));
    const started = Date.now();
    await sleep(V2_TIMING.firstPollMs);
    for (;;) {
      const head = await this.link.read(v2.REPLY_HEADER_LENGTH);
      if (head[0] === STATUS_FAILED && head[0] !== idle) return 'legacy';
      const at = v2.findMagic(head);
      if (at >= 0) {
        const { reply } = await this.finishFrame(head.subarray(at), seq).catch((err: unknown) => {
          if (err instanceof Retryable) return { reply: undefined }; // a damaged frame: keep polling until the timeout
          throw err;
        });
        if (reply && reply.status === STATUS_DATA) {
          this.hello = decodePayload(v2.decodeHello, reply.payload, 'HELLO');
          return this.hello;
        }
      }
      if (Date.now() - started > timeoutMs) return 'silent';
      await sleep(this.pollMs);
    }
  }

  async ping(): Promise<void> {
    const reply = await this.request(v2.Op.HELLO, undefined, this.options.commandTimeoutMs);
    this.hello = decodePayload(v2.decodeHello, this.expectData(reply, 'HELLO'), 'HELLO');
  }

  async setLed(on: boolean): Promise<void> {
    await this.led.set(on);
  }

  private async driveLed(on: boolean): Promise<void> {
    const reply = await this.request(v2.Op.FLASH, v2.encodeFlashArgs(on), this.options.commandTimeoutMs);
    if (reply.status === STATUS_FAILED) throw this.failed('FLASH', reply);
  }

  async status(): Promise<v2.StatusInfo> {
    const reply = await this.request(v2.Op.STATUS, undefined, this.options.commandTimeoutMs);
    return decodePayload(v2.decodeStatusInfo, this.expectData(reply, 'STATUS'), 'STATUS');
  }

  /**
   * RESYNC: the slave tears down its I2C slave and builds it again, which empties its TX ring (the only way
   * short of a reset), then queues 200 with the request's seq into the fresh ring. Until then the address
   * NACKs and reads return stale bytes or filler; all of that is read past. A second RESYNC goes out when
   * half the budget has passed with no sign that the first one arrived (no NACK window seen): a chunk the
   * slave overwrote while busy is lost without trace.
   */
  /**
   * Sends SETTINGS and returns every setting the slave now holds. A slave script older than SETTINGS
   * answers `unknown op 7`; that, and a setting the slave refuses, come back as errors naming the cause.
   */
  async settings(args: Uint8Array): Promise<v2.CameraSettings> {
    // A frame size that outgrows the buffer re-initialises the camera, which takes as long as a capture.
    const reply = await this.request(v2.Op.SETTINGS, args, this.options.captureTimeoutMs);
    if (reply.status === STATUS_FAILED) {
      const reason = v2.decodeReason(reply.payload);
      if (reason.startsWith(`unknown op ${v2.Op.SETTINGS}`)) throw settingsUnsupported('Its slave script predates SETTINGS');
      throw new Esp32CamError(
        'E_BAD_INPUT',
        `The camera refused the settings: ${reason || 'status 100'}`,
        'Pick values the camera can take (protocol/README.md, SETTINGS); frame sizes above VGA need a board with PSRAM.',
      );
    }
    return decodePayload(v2.decodeSettings, this.expectData(reply, 'SETTINGS'), 'SETTINGS');
  }

  async resync(): Promise<void> {
    const budget = this.options.commandTimeoutMs;
    const started = Date.now();
    const asked = new Set<number>();
    let rebuilding = false;
    const ask = async (): Promise<void> => {
      const seq = this.nextSeq();
      await this.link.write(v2.encodeRequest(seq, v2.Op.RESYNC));
      asked.add(seq);
    };
    let carry: Uint8Array = new Uint8Array(0);
    for (;;) {
      const elapsed = Date.now() - started;
      if (elapsed > budget) break;
      try {
        if (asked.size === 0 || (asked.size === 1 && !rebuilding && elapsed > budget / 2)) {
          await ask();
          await sleep(V2_TIMING.firstPollMs);
          continue;
        }
        const head = concat(carry, await this.link.read(v2.REPLY_HEADER_LENGTH));
        carry = new Uint8Array(0);
        const at = v2.findMagic(head);
        if (at >= 0) {
          const { reply } = await this.finishFrame(head.subarray(at), asked);
          if (reply?.status === STATUS_OK) return;
          if (reply) throw this.refusedResync(reply);
          continue;
        }
        if (head[head.length - 1] === v2.MAGIC0) carry = head.subarray(head.length - 1);
      } catch (err) {
        if (err instanceof Esp32CamError && err.code === 'E_NO_ACK') rebuilding = true;
        else if (!(err instanceof Retryable)) throw err;
      }
      await sleep(this.pollMs);
    }
    throw new Esp32CamError(
      'E_TIMEOUT',
      `The camera did not confirm RESYNC within ${budget} ms${rebuilding ? ' (it stopped answering and did not come back)' : ''}`,
      'Check that the slave script is running and supports RESYNC (device-scripts/main.py from this version); a reset of the board empties the ring too.',
    );
  }

  private refusedResync(reply: Reply): Esp32CamError {
    const reason = v2.decodeReason(reply.payload);
    if (reply.status === STATUS_FAILED && reason.startsWith('unknown op')) {
      return new Esp32CamError(
        'E_UNSUPPORTED',
        `The camera's script does not know RESYNC (${reason})`,
        'Install the slave script of this version with `esp32cam push`, or reset the board to empty its ring.',
      );
    }
    return new Esp32CamError('E_BAD_STATUS', `The camera answered ${reply.status} to RESYNC: ${reason}`, 'See the slave script output on the serial console.');
  }

  /** One attempt at a photo: CAPTURE, then READ chunk by chunk, then the whole-photo CRC and JPEG checks. */
  async capture(attempt: number, progress: (p: CaptureProgress) => void, options: CaptureOptions = {}): Promise<Buffer> {
    progress({ phase: 'capturing', bytes: 0, attempt });
    const info = await this.takePhoto(options);
    const photo = Buffer.alloc(info.size);
    progress({ phase: 'downloading', bytes: 0, total: info.size, attempt });
    await this.download(info, photo, (bytes) => progress({ phase: 'downloading', bytes, total: info.size, attempt }));
    progress({ phase: 'verifying', bytes: info.size, total: info.size, attempt });
    const crc = crc32(photo);
    if (crc !== info.crc32) {
      throw new Esp32CamError(
        'E_INVALID_JPEG',
        `The photo's CRC-32 does not match what the camera announced (0x${crc.toString(16)} vs 0x${info.crc32.toString(16)})`,
        'A chunk was corrupted in a way the per-chunk check missed; capture again.',
      );
    }
    const check = checkJpeg(photo, info.size);
    if (!check.ok) {
      throw new Esp32CamError(
        'E_INVALID_JPEG',
        `The camera's photo is not a complete JPEG: ${check.reason}`,
        'The sensor delivered a damaged frame; capture again.',
      );
    }
    return photo;
  }

  /**
   * Has the board take the photo as `options` say: with CAPTURE's flags when its script honours them, else
   * (protocol/README.md, CAPTURE flags) with plain CAPTUREs and FLASH from here. The first flagged CAPTURE to a
   * script that ignores the flags still took a photo: for fresh, that one moved the held frame out, so the
   * next CAPTURE is already the fresh one; for flash it is thrown away.
   */
  private async takePhoto(options: CaptureOptions): Promise<v2.CaptureInfo> {
    const flags = v2.captureFlagsByte({ fresh: options.fresh === true || options.flash === true, flash: options.flash === true });
    if (flags === 0) return this.captureOnce(0, true);
    if (this.flagsHonoured !== false) {
      const info = await this.captureOnce(flags, this.flagsHonoured === true);
      if (info.flags !== undefined && (info.flags & flags) === flags) {
        this.flagsHonoured = true;
        return info;
      }
      this.flagsHonoured = false;
      if (!options.flash) return this.captureOnce(0);
    }
    if (!options.flash) {
      await this.captureOnce(0);
      return this.captureOnce(0);
    }
    return this.led.lit(async () => {
      await this.captureOnce(0);
      return this.captureOnce(0);
    });
  }

  /**
   * One CAPTURE. With `early`, the READ of the photo's first chunk follows it at once, with the id the photo will
   * get: the slave answers it right after CAPTURE (in the same callback when the two writes merge, else in the
   * next), so the command latency of the first chunk passes while the camera works. A wrong guess costs nothing
   * but a refused READ, which download() then asks again.
   */
  private async captureOnce(flags: number, early = false): Promise<v2.CaptureInfo> {
    const args = flags === 0 ? undefined : Uint8Array.of(flags);
    this.early = undefined;
    const guess = this.lastPhotoId === undefined ? undefined : (this.lastPhotoId + 1) & 0xffff;
    const sendEarly =
      early && guess !== undefined
        ? async () => {
            const sentAt = Date.now();
            this.early = { photoId: guess, seq: await this.send(v2.Op.READ, v2.encodeReadArgs(guess, 0, this.chunk)), sentAt };
          }
        : undefined;
    const reply = await this.request(v2.Op.CAPTURE, args, this.options.captureTimeoutMs, sendEarly);
    if (reply.status === STATUS_FAILED) {
      throw new Esp32CamError(
        'E_CAMERA_FAILED',
        `The camera could not take a photo: ${v2.decodeReason(reply.payload)}`,
        'Check the camera ribbon cable and that the board has PSRAM, then try again.',
      );
    }
    const info = decodePayload(v2.decodeCaptureInfo, this.expectData(reply, 'CAPTURE'), 'CAPTURE');
    this.lastPhotoId = info.photoId;
    return info;
  }

  /**
   * Reads the photo chunk by chunk, with as many READs on their way as the slave's TX ring can hold replies
   * (protocol/README.md, "Reading a photo"): before each reply is read, the READs behind it go out, so the
   * slave's 10–20 ms command latency passes while the master clocks in the replies ahead, and a reply due by
   * now is read whole in one message. The first chunk was usually asked for behind the CAPTURE already
   * (captureOnce); as its photo id was a guess, the READs behind it wait until its header shows data.
   */
  private async download(info: v2.CaptureInfo, photo: Buffer, progress: (bytes: number) => void): Promise<void> {
    const chunk = this.chunk;
    const inFlight = v2.readsInFlight(this.hello?.txRing ?? 0, chunk, V2_TIMING.maxReadsInFlight);
    const lengthAt = (offset: number) => Math.min(chunk, info.size - offset);
    const pending: PendingRead[] = [];
    let nextToAsk = 0;
    const early = this.early?.photoId === info.photoId ? this.early : undefined;
    this.early = undefined;
    if (early) {
      pending.push({ offset: 0, seq: early.seq, sentAt: early.sentAt, guessed: true });
      nextToAsk = lengthAt(0);
    }
    const askAhead = async (): Promise<void> => {
      while (pending.length < inFlight && nextToAsk < info.size) {
        const offset = nextToAsk;
        nextToAsk += lengthAt(offset);
        const sentAt = Date.now();
        pending.push({ offset, seq: await this.send(v2.Op.READ, v2.encodeReadArgs(info.photoId, offset, lengthAt(offset))), sentAt });
      }
    };
    for (let offset = 0; offset < info.size;) {
      const length = lengthAt(offset);
      let data: Uint8Array;
      try {
        if (pending.length === 0 || !pending[0]!.guessed) await askAhead();
        const head = pending[0]!;
        const frameBytes = head.guessed ? undefined : v2.REPLY_OVERHEAD + length;
        const onHeader = head.guessed ? (status: number) => (status === STATUS_DATA ? askAhead() : Promise.resolve()) : undefined;
        const reply = await this.receive(head.seq, this.perTry(v2.Op.READ, this.options.commandTimeoutMs), onHeader, head.sentAt, frameBytes);
        pending.shift();
        // A READ sent behind CAPTURE with a wrong id is refused: ask again with the id the slave gave.
        data =
          head.guessed && reply.status === STATUS_FAILED
            ? await this.plainRead(v2.encodeReadArgs(info.photoId, offset, length), offset, length)
            : this.checkChunk(reply, offset, length);
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        // Start over for this chunk on the plain path; READs sent ahead are answered but skipped as stale.
        pending.length = 0;
        nextToAsk = offset + length;
        data = await this.readInPieces(info.photoId, offset, length);
      }
      photo.set(data, offset);
      offset += length;
      progress(offset);
    }
  }

  /**
   * A chunk whose reply failed its checks is read again in pieces. On a noisy wire the odds that a reply comes
   * through clean fall with its length: at one bad byte in a thousand a 2 KB reply is clean one time in eight
   * and four tries of it all fail more often than not, while a 128-byte piece is clean six times in seven.
   */
  private async readInPieces(photoId: number, offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += RETRY_PIECE) {
      const n = Math.min(RETRY_PIECE, length - at);
      out.set(await this.plainRead(v2.encodeReadArgs(photoId, offset + at, n), offset + at, n), at);
    }
    return out;
  }

  private async plainRead(args: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    return this.checkChunk(await this.request(v2.Op.READ, args, this.options.commandTimeoutMs), offset, length);
  }

  private checkChunk(reply: Reply, offset: number, length: number): Uint8Array {
    if (reply.status === STATUS_FAILED) throw this.failed('READ', reply);
    const data = this.expectData(reply, 'READ');
    if (data.length !== length) {
      throw new Esp32CamError(
        'E_BAD_REPLY',
        `READ at ${offset} returned ${data.length} bytes, asked for ${length}`,
        'The slave script does not follow protocol 2; reinstall it with `esp32cam push`.',
      );
    }
    return data;
  }

  /** Sends a request and returns its checked reply, asking again on corruption or silence. */
  private async request(op: v2.OpCode, args: Uint8Array | undefined, timeoutMs: number, afterFirstSend?: () => Promise<void>): Promise<Reply> {
    let last: Error | undefined;
    const perTry = this.perTry(op, timeoutMs);
    for (let attempt = 1; attempt <= V2_TIMING.attempts; attempt++) {
      const sentAt = Date.now();
      const seq = await this.send(op, args);
      if (attempt === 1 && afterFirstSend) await afterFirstSend();
      try {
        return await this.receive(seq, perTry, undefined, sentAt);
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        last = err;
      }
    }
    const what = opName(op);
    if (last instanceof SilentError) {
      throw new Esp32CamError(
        'E_TIMEOUT',
        `The camera did not answer ${what} (${V2_TIMING.attempts} tries, ${Math.round(perTry)} ms each)`,
        'Check that the slave script is running (its watchdog reboots the board after 60 s without commands) and the wiring.',
      );
    }
    throw new Esp32CamError(
      'E_BAD_REPLY',
      `The camera's replies to ${what} kept failing their checks: ${last?.message}`,
      'Check the wiring, the pull-ups and the bus clock; noise corrupts transfers.',
    );
  }

  /**
   * Polls for the reply frame to `seq`. Frames with another seq are stale (a reply that arrived after its
   * request was given up) and are read past; bytes before a magic are stale too. With `frameBytes`, a reply due
   * by now (replyDueMs after `sentAt`) is read in one message of that length; a reply that was not there after
   * all costs that message, and polling goes on as usual.
   */
  private async receive(
    seq: number,
    timeoutMs: number,
    onHeader?: (status: number) => Promise<void>,
    sentAt = Date.now(),
    frameBytes?: number,
  ): Promise<Reply> {
    const started = Date.now();
    const wait = V2_TIMING.firstPollMs - (started - sentAt);
    if (wait > 0) await sleep(wait);
    let whole = frameBytes !== undefined && Date.now() - sentAt >= V2_TIMING.replyDueMs;
    let carry: Uint8Array = new Uint8Array(0);
    for (;;) {
      const want = whole ? Math.max(frameBytes!, v2.REPLY_HEADER_LENGTH) : v2.REPLY_HEADER_LENGTH;
      whole = false;
      let head = concat(carry, await this.link.read(Math.max(1, want - carry.length)));
      let at = v2.findMagic(head);
      while (at >= 0) {
        const { reply, rest } = await this.finishFrame(head.subarray(at), seq, onHeader);
        if (reply) return reply;
        // A stale frame read in the same message as what follows it: look at the rest before reading more.
        head = rest;
        at = v2.findMagic(head);
      }
      // A magic split across two reads: keep a trailing A5 for the next one.
      carry =
        head.length > 0 && head[head.length - 1] === v2.MAGIC0 && head[head.length - 1] !== this.link.idleByte
          ? head.subarray(head.length - 1)
          : new Uint8Array(0);
      if (Date.now() - started > timeoutMs) throw new SilentError('no reply');
      await sleep(this.pollMs);
    }
  }

  /**
   * Reads the rest of a frame whose first bytes are in `start`. The reply is undefined for a stale frame: one whose
   * seq is not `seq` (or not in it, when several requests may be answered). `rest` is what `start` held past the frame.
   */
  private async finishFrame(
    start: Uint8Array,
    seq: number | ReadonlySet<number>,
    onHeader?: (status: number) => Promise<void>,
  ): Promise<{ reply: Reply | undefined; rest: Uint8Array }> {
    let bytes = start;
    if (bytes.length < v2.REPLY_HEADER_LENGTH) bytes = concat(bytes, await this.link.read(v2.REPLY_HEADER_LENGTH - bytes.length));
    const header = v2.decodeReplyHeader(bytes, I2C_DEV_MAX_MESSAGE);
    if (header.kind !== 'header') throw new Retryable(header.kind === 'bad-header' ? header.reason : 'no frame');
    const wanted = typeof seq === 'number' ? header.header.seq === seq : seq.has(header.header.seq);
    // The reply is whole in the ring: a request sent now is answered behind it.
    if (wanted && onHeader) await onHeader(header.header.status);
    const total = v2.REPLY_OVERHEAD + header.header.length;
    if (bytes.length < total) bytes = concat(bytes, await this.link.read(total - bytes.length));
    const verified = v2.verifyReply(bytes.subarray(0, total), header.header);
    if (!verified.ok) throw new Retryable(verified.reason);
    const rest = bytes.subarray(total);
    if (!wanted) return { reply: undefined, rest };
    return { reply: { status: header.header.status, payload: verified.payload }, rest };
  }

  private expectData(reply: Reply, what: string): Uint8Array {
    if (reply.status === STATUS_FAILED) throw this.failed(what, reply);
    if (reply.status !== STATUS_DATA) {
      throw new Esp32CamError(
        'E_BAD_STATUS',
        `The camera answered ${reply.status} to ${what}, expected 201`,
        'The slave script does not follow protocol 2; reinstall it with `esp32cam push`.',
      );
    }
    return reply.payload;
  }

  private failed(what: string, reply: Reply): Esp32CamError {
    return new Esp32CamError(
      'E_BAD_STATUS',
      `The camera refused ${what}: ${v2.decodeReason(reply.payload) || 'status 100'}`,
      'See the slave script output on the serial console for details.',
    );
  }

  private async send(op: v2.OpCode, args?: Uint8Array): Promise<number> {
    const seq = this.nextSeq();
    await this.link.write(v2.encodeRequest(seq, op, args));
    return seq;
  }

  /**
   * A quick command that got no answer is asked again soon, though never before a full chunk could have crossed
   * the wire twice at this clock; a capture gets the whole budget at once.
   */
  private perTry(op: v2.OpCode, timeoutMs: number): number {
    if (op === v2.Op.CAPTURE) return timeoutMs;
    return Math.max(300, timeoutMs / V2_TIMING.attempts, 2 * wireMs(this.chunk + v2.REPLY_OVERHEAD, this.options.busHz) + V2_TIMING.replyDueMs);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }
}

class SilentError extends Retryable {}

/** Settings need the project's slave script: the legacy protocol and older scripts cannot change them. */
export function settingsUnsupported(why: string): Esp32CamError {
  return new Esp32CamError(
    'E_UNSUPPORTED',
    `The camera cannot change its settings: ${why}`,
    "Push the project's slave script (esp32cam push) to change settings.",
  );
}

function decodePayload<T>(decode: (payload: Uint8Array) => T, payload: Uint8Array, what: string): T {
  try {
    return decode(payload);
  } catch (err) {
    if (!(err instanceof v2.PayloadError)) throw err;
    throw new Esp32CamError(
      'E_BAD_REPLY',
      `The camera's ${what} reply is malformed: ${err.message}`,
      'The slave script does not follow protocol 2; reinstall it with `esp32cam push`.',
    );
  }
}

function opName(op: v2.OpCode): string {
  return Object.entries(v2.Op).find(([, code]) => code === op)?.[0] ?? `op ${op}`;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

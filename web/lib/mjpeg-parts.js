/**
 * Cuts a multipart/x-mixed-replace body into its JPEGs. The service frames each part as CameraWebServer
 * does (boundary line, Content-Type, Content-Length, X-Timestamp, blank line, JPEG), so a part is cut by its
 * Content-Length rather than by searching the JPEG bytes for the next boundary, which a JPEG may contain.
 */

/** A part's head is a few short lines; far more bytes without a blank line means this is not such a stream. */
const MAX_HEAD = 8 * 1024;
const latin1 = new TextDecoder('latin1');

export class MjpegFormatError extends Error {}

export class MjpegParts {
  constructor() {
    this.buf = new Uint8Array(64 * 1024);
    this.start = 0;
    this.end = 0;
    /** Bytes of the JPEG being read, or -1 while a part's head is awaited. */
    this.need = -1;
  }

  /** Takes the next chunk of the body; returns the JPEGs it completed (their own copies), oldest first. */
  push(chunk) {
    this.append(chunk);
    const frames = [];
    for (;;) {
      if (this.need < 0 && !this.readHead()) break;
      if (this.end - this.start < this.need) break;
      frames.push(this.buf.slice(this.start, this.start + this.need));
      this.start += this.need;
      this.need = -1;
    }
    return frames;
  }

  /** Reads one part's head if it is all here; false when more bytes are needed. */
  readHead() {
    const b = this.buf;
    // The CRLF that ends a JPEG before the next boundary, or any stray blank line, is not part of a head.
    while (this.start < this.end && (b[this.start] === 13 || b[this.start] === 10)) this.start += 1;
    let at = -1;
    for (let i = this.start; i + 3 < this.end; i += 1) {
      if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      if (this.end - this.start > MAX_HEAD) throw new MjpegFormatError('The stream sent no part head a live view can read');
      return false;
    }
    const head = latin1.decode(b.subarray(this.start, at));
    const m = /^content-length:\s*(\d+)\s*$/im.exec(head);
    if (!m) throw new MjpegFormatError('A part of the stream carries no Content-Length');
    this.need = Number(m[1]);
    this.start = at + 4;
    return true;
  }

  append(chunk) {
    if (this.end + chunk.length > this.buf.length) {
      // Keep only what is not read yet; grow when even that does not leave room.
      const kept = this.end - this.start;
      const size = Math.max(this.buf.length, kept + chunk.length, this.need > 0 ? this.need : 0);
      if (size > this.buf.length) {
        const next = new Uint8Array(Math.max(size, this.buf.length * 2));
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = kept;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
}

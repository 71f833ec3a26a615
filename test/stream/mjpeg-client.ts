import { createHash } from 'node:crypto';
import { get, type IncomingHttpHeaders, type ClientRequest } from 'node:http';

export interface MjpegPart {
  headers: Record<string, string>;
  jpeg: Buffer;
  sha256: string;
}

export interface MjpegViewer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every part received so far, in order. */
  parts: MjpegPart[];
  /** The body of a response that is not a stream (an error's JSON). */
  body(): Promise<string>;
  /** Resolves once `n` parts have arrived in all; rejects if the stream ends or breaks first. */
  waitParts(n: number): Promise<void>;
  /** Whether the server ended the response. */
  readonly ended: boolean;
  /** Hangs up, as a closed browser tab does. */
  close(): void;
}

/**
 * A viewer the way a strict client reads CameraWebServer's stream: a boundary line, the part's headers, exactly
 * Content-Length bytes of JPEG, then CRLF before the next boundary. Anything else fails the viewer.
 */
export function openMjpeg(port: number, path: string, headers: Record<string, string> = {}): Promise<MjpegViewer> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = get({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers }, setHost: false }, (res) => {
      const parts: MjpegPart[] = [];
      const waiters: Array<{ n: number; resolve: () => void; reject: (err: Error) => void }> = [];
      let failure: Error | undefined;
      let ended = false;
      let buffer = Buffer.alloc(0);
      const boundary = /boundary=([^;]+)/.exec(String(res.headers['content-type']))?.[1];
      const settle = (): void => {
        for (const w of [...waiters]) {
          if (parts.length >= w.n) w.resolve();
          else if (failure) w.reject(failure);
          else continue;
          waiters.splice(waiters.indexOf(w), 1);
        }
      };
      const fail = (err: Error): void => {
        failure ??= err;
        settle();
      };
      /** Takes every whole part off the front of the buffer. */
      const parse = (): void => {
        for (;;) {
          const opening = Buffer.from(`\r\n--${boundary}\r\n`, 'latin1');
          if (buffer.length < opening.length) return;
          if (!buffer.subarray(0, opening.length).equals(opening)) {
            fail(new Error(`expected CRLF, --${boundary}, CRLF; got ${JSON.stringify(buffer.subarray(0, 60).toString('latin1'))}`));
            return;
          }
          const headEnd = buffer.indexOf('\r\n\r\n', opening.length, 'latin1');
          if (headEnd < 0) return;
          const partHeaders: Record<string, string> = {};
          for (const line of buffer.subarray(opening.length, headEnd).toString('latin1').split('\r\n')) {
            const colon = line.indexOf(':');
            partHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          const length = Number(partHeaders['content-length']);
          if (!Number.isInteger(length) || length <= 0) {
            fail(new Error(`a part without a usable Content-Length: ${JSON.stringify(partHeaders)}`));
            return;
          }
          const start = headEnd + 4;
          if (buffer.length < start + length) return;
          const jpeg = Buffer.from(buffer.subarray(start, start + length));
          buffer = buffer.subarray(start + length);
          parts.push({ headers: partHeaders, jpeg, sha256: createHash('sha256').update(jpeg).digest('hex') });
          settle();
        }
      };
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (res.statusCode !== 200) {
          chunks.push(chunk);
          return;
        }
        buffer = Buffer.concat([buffer, chunk]);
        parse();
      });
      const bodyDone = new Promise<string>((done) => res.on('end', () => done(Buffer.concat(chunks).toString('utf8'))));
      res.on('end', () => {
        ended = true;
        fail(new Error(`the stream ended after ${parts.length} parts`));
      });
      res.on('error', (err) => fail(err));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        parts,
        body: () => bodyDone,
        waitParts: (n) =>
          new Promise((ok, ko) => {
            waiters.push({ n, resolve: ok, reject: ko });
            settle();
          }),
        get ended() {
          return ended;
        },
        close: () => req?.destroy(),
      });
    });
    req.on('error', reject);
  });
}

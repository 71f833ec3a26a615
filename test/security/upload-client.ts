import { request, type ClientRequest } from 'node:http';

export interface UploadReply {
  status: number;
  body: { error?: { code: string; message: string; hint: string } } & Record<string, unknown>;
}

/**
 * An upload the test feeds by hand: headers go out at once, body bytes only when `send` is called, so a
 * test can stop, hold or cut the body at any point and see what the server did by then.
 */
export class HandUpload {
  readonly req: ClientRequest;
  readonly reply: Promise<UploadReply>;
  /** Body bytes handed to the socket so far. */
  sent = 0;
  answered = false;
  private cutByUs = false;

  constructor(port: number, path: string, headers: Record<string, string>) {
    this.req = request({ host: '127.0.0.1', port, method: 'POST', path, headers });
    this.reply = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        this.answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
        res.on('error', reject);
      });
      // Once answered, the server may close while bytes are still in flight: that is the point, not an error.
      this.req.on('error', (err) => {
        if (this.cutByUs) resolve({ status: 0, body: {} });
        else if (!this.answered) reject(err);
      });
    });
    this.req.flushHeaders();
  }

  /** Writes `bytes`, waiting for the socket to take them (backpressure), unless the server answered. */
  async send(bytes: Buffer): Promise<void> {
    if (this.answered || this.req.destroyed) return;
    this.sent += bytes.length;
    if (!this.req.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.req.off('drain', done);
          this.req.off('close', done);
          resolve();
        };
        this.req.on('drain', done);
        this.req.on('close', done);
      });
    }
  }

  /**
   * Sends `chunk` after `chunk` until the server answers or `max` bytes went out, giving the event loop a
   * turn after each, as a real uploader does, so that an answer is seen when it comes.
   */
  async stream(chunk: Buffer, max: number): Promise<void> {
    while (!this.answered && !this.req.destroyed && this.sent < max) {
      await this.send(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  end(): void {
    this.req.end();
  }

  /** The client goes away mid-body. */
  cut(): void {
    this.cutByUs = true;
    this.req.destroy();
  }
}

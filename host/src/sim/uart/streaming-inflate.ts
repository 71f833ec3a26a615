import { constants, createInflate, type Inflate } from 'node:zlib';

/**
 * zlib inflate fed one `FLASH_DEFL_DATA` block at a time, as the stub and the ROM decompress: each block
 * yields whatever output it completes, and a corrupt stream fails at the block that breaks it.
 */
export class StreamingInflate {
  private readonly z: Inflate;
  private readonly out: Buffer[] = [];
  private failure: Error | undefined;
  private ended = false;

  constructor() {
    this.z = createInflate();
    this.z.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.z.on('error', (err: Error) => {
      this.failure = err;
    });
    this.z.on('end', () => {
      this.ended = true;
    });
  }

  /** True once the deflate stream has ended; bytes after its end are ignored, as the stub ignores them. */
  get finished(): boolean {
    return this.ended;
  }

  push(chunk: Uint8Array): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.z.once('error', onError);
      this.z.write(chunk);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        if (this.failure) reject(this.failure);
        else resolve(Buffer.concat(this.out.splice(0)));
      });
    });
  }

  close(): void {
    this.z.destroy();
  }
}

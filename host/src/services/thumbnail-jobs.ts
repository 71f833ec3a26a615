import { join } from 'node:path';
import { systemErrorCode } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import type { FsPort } from './fs-port.js';
import { makeThumbnail } from './thumbnail.js';

/**
 * Makes the store's thumbnails after their photos are announced, one at a time, so a photo reaches the page
 * without waiting for a decode and two more fsyncs. A thumbnail is only ever a copy of something durable: a
 * crash or a failed write before it exists leaves a photo without one, which start-up recovery or the first
 * request for it makes again.
 */
export class ThumbnailJobs {
  private readonly jobs = new Map<string, Promise<Buffer | undefined>>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fs: FsPort,
    private readonly dir: string,
    /** Whether the photo is still in the store: a thumbnail made for one deleted meanwhile is not written. */
    private readonly kept: (id: string) => boolean,
    private readonly log: (line: string) => void,
  ) {}

  pathOf(id: string): string {
    return join(this.dir, `${id}.jpg`);
  }

  /** Queues `id`'s thumbnail; it never rejects: a failure is logged and the next request remakes it. */
  make(id: string, jpeg: Buffer): Promise<Buffer | undefined> {
    const pending = this.jobs.get(id);
    if (pending) return pending;
    const run = this.chain.then(() => this.build(id, jpeg));
    this.jobs.set(id, run);
    this.chain = run;
    void run.then(() => {
      if (this.jobs.get(id) === run) this.jobs.delete(id);
    });
    return run;
  }

  /** Resolves once no thumbnail of `id` is being made, so a delete cannot race its write. */
  async settled(id: string): Promise<void> {
    await this.jobs.get(id);
  }

  /** Resolves once every queued thumbnail is made (or given up): before the data folder goes away. */
  async idle(): Promise<void> {
    for (let last = this.chain; ; last = this.chain) {
      await last;
      if (last === this.chain) return;
    }
  }

  /** The thumbnail, or undefined when the photo cannot be decoded. Written when possible, returned either way. */
  private async build(id: string, jpeg: Buffer): Promise<Buffer | undefined> {
    let thumb: Buffer;
    try {
      thumb = await makeThumbnail(jpeg);
    } catch (err) {
      this.log(`photo store: could not make the thumbnail of ${id}: ${(err as Error).message}`);
      return undefined;
    }
    if (!this.kept(id)) return thumb;
    const path = this.pathOf(id);
    try {
      await writeFileAtomic(path, thumb, this.fs);
      // Deleted while it was written: the delete may have looked for the file before it existed. One left
      // behind all the same is an orphan, which start-up removes.
      if (!this.kept(id)) await this.fs.unlink(path).catch(() => undefined);
    } catch (err) {
      this.log(`photo store: could not write the thumbnail of ${id} (${systemErrorCode(err) ?? String(err)}); it is made again when asked for`);
    }
    return thumb;
  }
}

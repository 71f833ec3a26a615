import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { logger } from '../../log/index.js';
import { ensureDir, writeFileAtomic } from '../atomic-write.js';

const log = logger('mqtt');

export const RECORD_FILE = join('mqtt', 'published.json');

const fileSchema = z.object({ version: z.literal(1), topics: z.array(z.string()) });

/**
 * The retained topics this host has published and not emptied since, kept in `dataDir/mqtt/published.json`.
 * A camera removed from the config, or a host id changed, leaves retained configs and states on the broker
 * that nothing in the new config names: this record is how a restart finds them to empty them.
 */
export class PublishedRecord {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    private readonly path: string,
    private readonly topics: Set<string>,
  ) {}

  static async open(dataDir: string): Promise<PublishedRecord> {
    const path = join(dataDir, RECORD_FILE);
    let topics: string[] = [];
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (parsed.success) topics = parsed.data.topics;
      else log.warn(`${path} is not a record of published topics; starting a new one`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${path} could not be read (${(err as Error).message}); starting a new one`);
    }
    return new PublishedRecord(path, new Set(topics));
  }

  list(): string[] {
    return [...this.topics];
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  add(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    this.save();
  }

  remove(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.save();
  }

  /** Waits for the writes asked for so far. */
  async flush(): Promise<void> {
    await this.writing;
  }

  /** One write at a time, each with everything changed up to when it starts; a failed write is only logged. */
  private save(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      const body = JSON.stringify({ version: 1, topics: [...this.topics].sort() }, null, 2);
      try {
        await ensureDir(join(this.path, '..'));
        await writeFileAtomic(this.path, Buffer.from(`${body}\n`));
      } catch (err) {
        log.warn(`could not write ${this.path}: ${(err as Error).message}`);
      }
    });
  }
}

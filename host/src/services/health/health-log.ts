import { join } from 'node:path';
import { z } from 'zod';
import { logger } from '../../log/index.js';
import { ensureDir, writeFileAtomic } from '../atomic-write.js';
import { nodeFs, type FsPort } from '../fs-port.js';
import type { HealthEvent } from './camera-health.js';

const serviceLog = logger('service');

/** Events kept per camera: enough for weeks of an unhappy board, small enough to rewrite on every event. */
export const HEALTH_LOG_LIMIT = 200;
export const HEALTH_DIR = 'health';

/** What the service remembers of a board between restarts, besides its events. */
export interface BoardMemory {
  lastSeenAt?: number;
  bootCount?: number;
  resetCause?: string;
  reboots: Record<string, number>;
}

const eventSchema = z.object({
  at: z.number(),
  type: z.enum(['state', 'reboot', 'recovery', 'diagnosis']),
  from: z.string().optional(),
  to: z.string().optional(),
  reason: z.string(),
  hint: z.string(),
  resetCause: z.string().optional(),
  step: z.string().optional(),
  outcome: z.string().optional(),
  fault: z.string().optional(),
});

const fileSchema = z.object({
  version: z.literal(1),
  camera: z.string(),
  board: z.object({
    lastSeenAt: z.number().optional(),
    bootCount: z.number().optional(),
    resetCause: z.string().optional(),
    reboots: z.record(z.string(), z.number()).default({}),
  }),
  events: z.array(eventSchema),
});

/**
 * One camera's health history in `dataDir/health/NAME.json`: its last HEALTH_LOG_LIMIT events and what was
 * last known of the board. Rewritten whole and atomically on each change (they are rare), so a crash leaves
 * the old file or the new one; a damaged file is set aside rather than stopping the service.
 */
export class HealthLog {
  private events: HealthEvent[] = [];
  board: BoardMemory = { reboots: {} };
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    private readonly path: string,
    private readonly camera: string,
    private readonly fs: FsPort,
    private readonly limit: number,
  ) {}

  static async open(dataDir: string, camera: string, opts: { fs?: FsPort; limit?: number } = {}): Promise<HealthLog> {
    const fs = opts.fs ?? nodeFs;
    const dir = join(dataDir, HEALTH_DIR);
    await ensureDir(dir, fs);
    const log = new HealthLog(join(dir, `${camera}.json`), camera, fs, opts.limit ?? HEALTH_LOG_LIMIT);
    await log.load();
    return log;
  }

  list(): readonly HealthEvent[] {
    return this.events;
  }

  /** The last `n` events, newest last. */
  recent(n: number): HealthEvent[] {
    return this.events.slice(-n);
  }

  append(event: HealthEvent): void {
    this.events.push(event);
    if (this.events.length > this.limit) this.events.splice(0, this.events.length - this.limit);
    this.save();
  }

  /** Records what the board said of itself; written with the next event or flush. */
  remember(update: Partial<Omit<BoardMemory, 'reboots'>>): void {
    Object.assign(this.board, update);
    this.dirty = true;
  }

  countReboot(cause: string): void {
    this.board.reboots[cause] = (this.board.reboots[cause] ?? 0) + 1;
    this.save();
  }

  /** Writes what changed since the last write, and waits for every write begun so far. */
  async flush(): Promise<void> {
    if (this.dirty) this.save();
    await this.writing;
  }

  private save(): void {
    this.dirty = false;
    // One write at a time, each with the state as it is when it starts: the last one always wins.
    this.writing = this.writing.then(async () => {
      const body = { version: 1, camera: this.camera, board: this.board, events: this.events };
      try {
        await writeFileAtomic(this.path, Buffer.from(JSON.stringify(body)), this.fs);
      } catch (err) {
        serviceLog.warn(`could not write the health log of camera "${this.camera}" (${this.path}): ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch {
      return; // a camera seen for the first time
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch {
      const aside = `${this.path}.damaged-${Date.now()}`;
      await this.fs.rename(this.path, aside).catch(() => undefined);
      serviceLog.warn(`the health log of camera "${this.camera}" was damaged; it was moved to ${aside} and a new one started`);
      return;
    }
    this.events = (parsed.events as HealthEvent[]).slice(-this.limit);
    this.board = parsed.board;
  }
}

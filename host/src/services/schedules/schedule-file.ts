import { join } from 'node:path';
import { z } from 'zod';
import { logger } from '../../log/index.js';
import { ensureDir, fileWriteError, writeFileAtomic } from '../atomic-write.js';
import { nodeFs, type FsPort } from '../fs-port.js';
import { checkSpec, type ScheduleSpec } from './schedule-spec.js';

const serviceLog = logger('service');

export const SCHEDULES_DIR = 'schedules';

/** How many slots a schedule's history lists. */
export const HISTORY_LENGTH = 50;

export type SlotOutcome = 'taken' | 'missed' | 'failed';

/** What became of one slot, or of a run of slots missed together (`slots` of them, `at` to `until`). */
export interface SlotRecord {
  /** ISO time of the slot: when the photo was due, not when it arrived. */
  at: string;
  outcome: SlotOutcome;
  /** The photo's id, when taken. */
  photo?: string;
  /** Why it was missed or failed. */
  reason?: string;
  /** How many slots this entry stands for, when more than one. */
  slots?: number;
  /** The last of those slots. */
  until?: string;
}

/** What a schedule has done, kept with it. */
export interface ScheduleState {
  /** Every slot up to this time (ms) was dealt with; the next one after it is due. Null: never started. */
  checkedUntil: number | null;
  counts: Record<SlotOutcome, number>;
  /** Oldest first, at most HISTORY_LENGTH. */
  history: SlotRecord[];
}

export const freshState = (): ScheduleState => ({ checkedUntil: null, counts: { taken: 0, missed: 0, failed: 0 }, history: [] });

const stateSchema = z.object({
  checkedUntil: z.number().nullable(),
  counts: z.object({ taken: z.number().int().nonnegative(), missed: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  history: z
    .array(
      z.object({
        at: z.string().datetime(),
        outcome: z.enum(['taken', 'missed', 'failed']),
        photo: z.string().optional(),
        reason: z.string().optional(),
        slots: z.number().int().positive().optional(),
        until: z.string().datetime().optional(),
      }),
    )
    .max(HISTORY_LENGTH),
});

const fileSchema = z.object({
  version: z.literal(1),
  camera: z.string(),
  schedules: z.array(z.object({ spec: z.unknown(), state: stateSchema })),
});

export interface KeptSchedule {
  spec: ScheduleSpec;
  state: ScheduleState;
}

/**
 * One camera's schedules in `dataDir/schedules/NAME.json`, rewritten whole and atomically, so a crash leaves
 * the old file or the new one. A damaged file is set aside and the camera starts with none: a service that
 * will not start is worse than schedules to add again.
 */
export class ScheduleFile {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly camera: string,
    private readonly fs: FsPort,
  ) {}

  static async open(dataDir: string, camera: string, fs: FsPort = nodeFs): Promise<{ file: ScheduleFile; kept: KeptSchedule[] }> {
    const dir = join(dataDir, SCHEDULES_DIR);
    await ensureDir(dir, fs);
    const file = new ScheduleFile(join(dir, `${camera}.json`), camera, fs);
    return { file, kept: await file.load() };
  }

  /**
   * Writes `schedules` after the writes begun before; resolves when this one is on disk. Each write takes
   * the state as it is when called, so the last call always wins.
   */
  save(schedules: KeptSchedule[]): Promise<void> {
    const body = Buffer.from(JSON.stringify({ version: 1, camera: this.camera, schedules }));
    const write = this.writing.then(() => writeFileAtomic(this.path, body, this.fs));
    this.writing = write.catch(() => undefined);
    return write.catch((err: unknown) => {
      throw fileWriteError(err, `the schedules of camera "${this.camera}"`, 'Free some space on the disk that holds the data folder.');
    });
  }

  /** Waits for every write begun so far. */
  flush(): Promise<void> {
    return this.writing;
  }

  private async load(): Promise<KeptSchedule[]> {
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch {
      return []; // a camera that never had a schedule
    }
    try {
      const parsed = fileSchema.parse(JSON.parse(text));
      // Checked as a client's would be: a file edited by hand cannot slip in a schedule the API refuses.
      return parsed.schedules.map(({ spec, state }) => {
        const checked = checkSpec(spec, null);
        if (checked.camera !== this.camera) throw new Error(`schedule ${checked.id} names camera ${checked.camera}`);
        return { spec: checked, state };
      });
    } catch (err) {
      const aside = `${this.path}.damaged-${Date.now()}`;
      await this.fs.rename(this.path, aside).catch(() => undefined);
      serviceLog.warn(
        `the schedules of camera "${this.camera}" were damaged (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); the file was moved to ${aside} and the camera starts with none`,
      );
      return [];
    }
  }
}

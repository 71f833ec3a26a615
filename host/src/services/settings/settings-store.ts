import { join } from 'node:path';
import { z } from 'zod';
import { v2 } from '../../../../protocol/src/index.js';
import { logger } from '../../log/index.js';
import { ensureDir, writeFileAtomic } from '../atomic-write.js';
import { nodeFs, type FsPort } from '../fs-port.js';
import type { FlashMode } from '../cameras/index.js';

const serviceLog = logger('service');

export const SETTINGS_DIR = 'settings';

/** What the service knows of one camera's settings. */
export interface SettingsState {
  /** What the user asked for; applied at first contact and after every reboot. */
  wanted: v2.CameraSettings;
  /** What the board last reported it holds, or null when unknown (never applied, or rebooted since). */
  applied: v2.CameraSettings | null;
  /** When `applied` was reported (ms since the epoch), or null. */
  appliedAt: number | null;
  /** Whether the board's script takes settings; null until a board was asked. */
  supported: boolean | null;
  /** Why the last attempt to apply failed, or null when it worked (or none was made). */
  lastError: { code: string; message: string; hint: string; at: number } | null;
  /** The flash LED for this camera's photos when a capture does not say; the host's choice, not the board's. */
  flash: FlashMode;
}

// A value out of range would make every later apply fail, so such a file counts as damaged.
const settingValues = z
  .object(Object.fromEntries(v2.SETTING_NAMES.map((name) => [name, z.number().optional()])))
  .strict()
  .superRefine((values, ctx) => {
    for (const [name, value] of Object.entries(values)) {
      const problem = value === undefined ? undefined : v2.settingProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
    }
  });

const fileSchema = z.object({
  version: z.literal(1),
  camera: z.string(),
  wanted: settingValues,
  applied: settingValues.nullable(),
  appliedAt: z.number().nullable(),
  supported: z.boolean().nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), hint: z.string(), at: z.number() }).nullable().default(null),
  flash: z.enum(['off', 'on', 'auto']).default('off'),
});

export const emptySettingsState = (): SettingsState => ({ wanted: {}, applied: null, appliedAt: null, supported: null, lastError: null, flash: 'off' });

/**
 * One camera's settings in `dataDir/settings/NAME.json`, rewritten whole and atomically on each change, so
 * a crash leaves the old file or the new one. A damaged file is set aside and the camera starts with none:
 * losing wanted settings is better than a service that will not start.
 */
export class CameraSettingsStore {
  private current: SettingsState = emptySettingsState();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly camera: string,
    private readonly fs: FsPort,
  ) {}

  static async open(dataDir: string, camera: string, opts: { fs?: FsPort } = {}): Promise<CameraSettingsStore> {
    const fs = opts.fs ?? nodeFs;
    const dir = join(dataDir, SETTINGS_DIR);
    await ensureDir(dir, fs);
    const store = new CameraSettingsStore(join(dir, `${camera}.json`), camera, fs);
    await store.load();
    return store;
  }

  get state(): SettingsState {
    return structuredClone(this.current);
  }

  /** Changes the state and starts writing it; `flush` waits for the write. */
  update(change: Partial<SettingsState>): SettingsState {
    this.current = { ...this.current, ...structuredClone(change) };
    this.save();
    return this.state;
  }

  /** Waits for every write begun so far. */
  flush(): Promise<void> {
    return this.writing;
  }

  private save(): void {
    // One write at a time, each with the state as it is when it starts: the last one always wins.
    this.writing = this.writing.then(async () => {
      const body = { version: 1, camera: this.camera, ...this.current };
      try {
        await writeFileAtomic(this.path, Buffer.from(JSON.stringify(body)), this.fs);
      } catch (err) {
        serviceLog.warn(`could not write the settings of camera "${this.camera}" (${this.path}): ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch {
      return; // a camera never set
    }
    try {
      const { version: _version, camera: _camera, ...state } = fileSchema.parse(JSON.parse(text));
      this.current = state as SettingsState;
    } catch {
      const aside = `${this.path}.damaged-${Date.now()}`;
      await this.fs.rename(this.path, aside).catch(() => undefined);
      serviceLog.warn(`the settings of camera "${this.camera}" were damaged; the file was moved to ${aside} and the camera starts with none`);
    }
  }
}

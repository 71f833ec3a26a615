import { EventEmitter } from 'node:events';
import { listDeviceFiles, type DeviceFileEntry } from '../devices/device-fs/index.js';
import { DEFAULTS } from '../config/load-config.js';
import { Esp32CamError } from '../errors.js';
import { withReplSession } from './device-session.js';
import { JobRunner, type JobEvents, type JobSnapshot } from './job-runner.js';
import type { SerialPorts } from './serial/index.js';
import type { PingResult } from '../devices/camera/types.js';
import { confirmScriptRuns, type RunCheck } from './script-run.js';
import {
  bundledScriptItems,
  checkPushItems,
  pushScripts,
  summarisePush,
  type PushItem,
  type PushItemProgress,
  type PushScriptResult,
  type PushSummary,
} from './script-push.js';

/** What POST /api/scripts/push asks for: the bundled slave script with config values, or one uploaded file. */
export type PushJobSource = { kind: 'bundled'; config?: Record<string, unknown> } | { kind: 'upload'; name: string; data: Uint8Array; to?: string };

export interface PushJobRequest {
  source: PushJobSource;
  /** A port as GET /api/ports lists it; omitted: the simulated board with the simulated camera, else the one ESP board. */
  port?: string;
  force?: boolean;
  /** Reset the board afterwards and confirm from its output that the script runs. */
  run?: boolean;
}

export interface PushJobResult {
  files: PushScriptResult[];
  summary: PushSummary;
  /** The board's root folder after the push. */
  listing: DeviceFileEntry[];
  run?: RunCheck;
}

export type PushJobProgress = PushItemProgress;
export type PushJobSnapshot = JobSnapshot<PushJobProgress, PushJobResult, { source: string; files: number }>;
/** Relayed to the pages as push:started, push:progress, push:log, push:done, push:failed. */
export type PushJobEvents = JobEvents<PushJobProgress, PushJobResult, PushJobSnapshot>;

/** The largest uploaded script: the bundled main.py is about 20 KB; an ESP32-CAM's filesystem holds 1.5 MB. */
const CLOSE_WAIT_MS = 5000;

export interface PushJobsOptions {
  ports: SerialPorts;
  log?: (line: string) => void;
  /**
   * With run: how to ping the camera on the board at `path` over I2C once the script is up (it gets the
   * address the banner names); undefined when no camera of the service is on that board.
   */
  pingFor?: (path: string) => ((address: number | undefined) => Promise<PingResult>) | undefined;
  /** The largest uploaded script (the config's limits.scriptBytes). */
  maxScriptBytes?: number;
}

/**
 * Script pushes from the web page, run as jobs like flash jobs (one per port, progress as events), and the
 * board's file listing. Everything that can be wrong with the request (settings, file name, binary file,
 * syntax with file:line) is refused before a job starts; the push itself is script-push's pushScripts over
 * one REPL session.
 */
export class PushJobs extends EventEmitter<PushJobEvents> {
  private readonly runner: JobRunner<PushJobProgress, PushJobResult, { source: string; files: number }>;
  private readonly opts: PushJobsOptions;

  constructor(opts: PushJobsOptions) {
    super();
    this.opts = opts;
    this.runner = new JobRunner({
      events: this,
      kind: 'push',
      noun: 'push job',
      idSource: 'the id that POST /api/scripts/push returned',
      claims: opts.ports.claims,
      busyMessage: (path, id) => `${path} is busy with a script push (job ${id})`,
      busyHint: 'Wait for the push to finish (a few seconds), then try again.',
      log: opts.log,
    });
  }

  /** Checks the request, then starts the push; E_BAD_INPUT, E_CONFIG or E_SCRIPT_SYNTAX before anything is sent. */
  async start(request: PushJobRequest): Promise<PushJobSnapshot> {
    if (this.runner.isClosed) throw new Esp32CamError('E_CLOSED', 'The service is shutting down', 'Push again once the service is back.');
    const items = await checkPushItems(itemsOf(request.source, this.opts.maxScriptBytes ?? DEFAULTS.limits.scriptBytes));
    if (request.port !== undefined) this.opts.ports.claims.assertFree(request.port);
    const path = await this.opts.ports.choice.resolve(request.port, { preferSim: true });
    const spec = { path, ...this.opts.ports.openExtras(path) };
    const source = request.source.kind === 'bundled' ? 'bundled slave script' : items[0]!.sourceName;
    const names = items.map((i) => i.remotePath).join(', ');
    return this.runner.start(
      path,
      { source, files: items.length },
      (job) =>
        withReplSession(spec, `script push (job ${job.id})`, async (session) => {
          const files = await pushScripts(session.client, items, {
            force: request.force === true,
            onStaleTemps: (paths) => job.line(`Removed ${paths.length} temp file(s) an interrupted push left: ${paths.join(', ')}`),
            onProgress: (p) => {
              job.progress(p, p.phase === 'done' || p.phase === 'skipped');
              if (p.phase === 'done' || p.phase === 'skipped')
                job.line(`${p.path}: ${p.phase === 'done' ? `${p.total} bytes written and verified` : 'unchanged, skipped'}`);
            },
          });
          const listing = await listDeviceFiles(session.client, '/');
          const result: PushJobResult = { files, summary: summarisePush(files), listing };
          if (request.run) {
            job.line('Resetting the board to start the script…');
            result.run = await confirmScriptRuns(session, { expectBanner: request.source.kind === 'bundled', ping: this.opts.pingFor?.(path) });
          }
          return result;
        }),
      { first: `Pushing ${names} to ${path}`, done: doneLine },
    );
  }

  get(id: string): PushJobSnapshot {
    return this.runner.get(id);
  }

  list(): PushJobSnapshot[] {
    return this.runner.list();
  }

  /** The entries of `dir` on the board at `port` (same default port as a push), through one short REPL session. */
  async listFiles(port: string | undefined, dir = '/'): Promise<{ port: string; dir: string; files: DeviceFileEntry[] }> {
    if (port !== undefined) this.opts.ports.claims.assertFree(port);
    const path = await this.opts.ports.choice.resolve(port, { preferSim: true });
    const release = this.opts.ports.claims.claim(path, {
      name: 'file listing',
      busyMessage: (p) => `${p} is busy listing the board's files`,
      busyHint: 'Try again in a moment.',
    });
    try {
      await this.opts.ports.claims.ready(path);
      const files = await withReplSession({ path, ...this.opts.ports.openExtras(path) }, 'file listing', (session) => listDeviceFiles(session.client, dir));
      return { port: path, dir, files };
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.runner.isClosed) return;
    this.runner.stop();
    await this.runner.settled(CLOSE_WAIT_MS);
  }
}

function itemsOf(source: PushJobSource, maxScriptBytes: number): PushItem[] {
  if (source.kind === 'bundled') return bundledScriptItems(source.config ?? {});
  if (source.data.length > maxScriptBytes) {
    throw new Esp32CamError(
      'E_UPLOAD_TOO_LARGE',
      `${source.name} is ${source.data.length} bytes, more than the ${maxScriptBytes} bytes a script upload takes (limits.scriptBytes)`,
      'Push smaller scripts, or split it into modules.',
    );
  }
  if (!/\.py$/i.test(source.name)) {
    throw new Esp32CamError('E_BAD_INPUT', `${source.name} is not a .py script`, 'Upload a MicroPython source file whose name ends in .py.');
  }
  const dir = (source.to ?? '').replace(/^\/+|\/+$/g, '');
  return [{ remotePath: `/${dir ? `${dir}/` : ''}${source.name}`, data: source.data, sourceName: source.name }];
}

function doneLine(result: PushJobResult): string {
  const { pushed, skipped, bytes, wireBytes, ratio, seconds } = result.summary;
  const sent = pushed > 0 ? `${pushed} file${pushed === 1 ? '' : 's'} (${bytes} bytes) written and verified` : 'nothing to send';
  return (
    `Done: ${sent}${skipped ? `, ${skipped} unchanged` : ''}; ${wireBytes} bytes on the wire${ratio ? ` (${ratio.toFixed(2)}× the file size)` : ''} in ${seconds.toFixed(1)} s` +
    (result.run ? `; the script runs${result.run.banner ? ` (${result.run.banner})` : ''}` : '')
  );
}

import { EventEmitter } from 'node:events';
import { flashFirmware, type FlashEvent, type FlashResult } from '../devices/flasher/flasher.js';
import { Esp32CamError } from '../errors.js';
import { doneLine, logLineOf, type FlashJobEvents, type FlashJobProgress, type FlashJobRequest, type FlashJobSnapshot } from './flash-job.js';
import { checkUpload } from './flash-upload-check.js';
import { DEFAULTS } from '../config/load-config.js';
import { JobRunner } from './job-runner.js';
import type { FlashPortJson, SerialPorts } from './serial/index.js';

export type { FlashJobEvents, FlashJobProgress, FlashJobRequest, FlashJobSnapshot, FlashJobState } from './flash-job.js';
export type { FlashPortJson } from './serial/index.js';

export interface FlashJobsOptions {
  /** The service's serial ports and who holds them, shared with the console and push jobs. */
  ports: SerialPorts;
  log?: (line: string) => void;
  /** How long a manual reset waits for the buttons (30 s by default, as the CLI). */
  manualWindowMs?: number;
  /** The largest image a job takes (the config's limits.firmwareBytes). */
  maxImageBytes?: number;
}

/** How long closing the service waits for a job to notice that its board went away. */
const CLOSE_WAIT_MS = 5000;

export function isFlashJobId(id: string): boolean {
  return /^[0-9a-f]{16}$/.test(id);
}

/**
 * Flash jobs: firmware written to a board in the background while pages watch. One job per port at a time
 * (the service's port claims keep out the console and push jobs too); the upload is checked before a
 * job starts, and the job reports its steps, progress, result or error as events.
 */
export class FlashJobs extends EventEmitter<FlashJobEvents> {
  private readonly serial: SerialPorts;
  private readonly opts: FlashJobsOptions;
  private readonly runner: JobRunner<FlashJobProgress, FlashResult, { size: number }>;

  constructor(opts: FlashJobsOptions) {
    super();
    const claims = opts.ports.claims;
    this.runner = new JobRunner({
      events: this,
      kind: 'flash',
      noun: 'flash job',
      idSource: 'the id that POST /api/firmware returned',
      claims,
      busyMessage: (path, id) => `${path} is being flashed already (job ${id})`,
      busyHint: 'Wait for that job to finish, then start again; one board takes one flash at a time.',
      log: opts.log,
    });
    this.opts = opts;
    this.serial = opts.ports;
  }

  /** Serial ports, likely ESP boards (and the simulated one) first. */
  ports(opts: { all?: boolean } = {}): Promise<FlashPortJson[]> {
    return this.serial.choice.list(opts);
  }

  /**
   * Checks the request (the image, then the port) and starts the job; resolves as soon as it runs. Bad input
   * throws here, before any byte reaches a board.
   */
  async start(request: FlashJobRequest): Promise<FlashJobSnapshot> {
    if (this.runner.isClosed) throw new Esp32CamError('E_CLOSED', 'The service is shutting down', 'Start the flash again once the service is back.');
    const offset = request.offset ?? 'auto';
    const force = request.force === true;
    checkUpload(request.image, { offset, force, maxBytes: this.opts.maxImageBytes ?? DEFAULTS.limits.firmwareBytes });
    if (request.port !== undefined) this.serial.claims.assertFree(request.port);
    const path = await this.serial.choice.resolve(request.port);
    const options = {
      path,
      image: request.image,
      offset,
      baudRate: request.baudRate,
      erase: request.erase,
      before: request.before,
      force,
      // Someone watching the page can press the buttons, but only asks for that by choosing "manual":
      // `auto` fails fast with a diagnosis rather than counting down on an unattended board.
      interactive: request.before === 'manual',
      manualWindowMs: this.opts.manualWindowMs,
      ...this.serial.openExtras(path),
    };
    // Claimed synchronously inside super.start: two uploads for one port that raced through resolve() meet here.
    return this.runner.start(
      path,
      { size: request.image.length },
      (job) => {
        let manualShown = false;
        const onEvent = (event: FlashEvent): void => {
          if (event.type === 'progress') {
            const { phase, written, total, bytesPerSecond } = event;
            job.progress({ phase, written, total, bytesPerSecond }, written >= total);
            return;
          }
          const line = logLineOf(event, manualShown);
          if (event.type === 'manual') manualShown = true;
          if (line) job.line(line);
        };
        return flashFirmware({ ...options, onEvent });
      },
      { first: `Flashing ${request.image.length} bytes to ${path}`, done: doneLine },
    );
  }

  /** A job by id, running or recently finished. */
  get(id: string): FlashJobSnapshot {
    return this.runner.get(id);
  }

  /** Every job kept, newest first. */
  list(): FlashJobSnapshot[] {
    return this.runner.list();
  }

  /**
   * Refuses new jobs and waits a bounded time for running jobs. The service pulls the simulated boards'
   * plugs first, so a job on one ends at once; a real board's job is left to fail when the process exits.
   */
  async close(): Promise<void> {
    if (this.runner.isClosed) return;
    this.runner.stop();
    await this.runner.settled(CLOSE_WAIT_MS);
  }
}

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { access, constants } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCameraSpec } from '../config/camera-spec.js';
import type { Config } from '../config/schema.js';
import { flashFirmware, type FlashEvent, type FlashOptions } from '../devices/flasher/flasher.js';
import { Esp32CamError } from '../errors.js';
import { isSimPortPath } from '../sim/uart/index.js';
import { findSerialPort, listSerialPorts, type SerialPortInfo } from '../transports/serial/index.js';
import { openError } from '../transports/serial/open-errors.js';
import { errorPayload } from './error-payload.js';
import { doneLine, FlashJob, logLineOf, type FlashJobEvents, type FlashJobRequest, type FlashJobSnapshot } from './flash-job.js';
import { openSimFlashPort, type SimFlashPort } from './flash-sim-port.js';
import { checkUpload } from './flash-upload-check.js';

export type { FlashJobEvents, FlashJobProgress, FlashJobRequest, FlashJobSnapshot, FlashJobState } from './flash-job.js';

/** A port as GET /api/ports lists it: discovery's facts, and whether it is the simulated board. */
export type FlashPortJson = SerialPortInfo & { simulated: boolean };

export interface FlashJobsOptions {
  /** The simulated board's serial side; the service opens one when it runs the simulated camera. */
  sim?: SimFlashPort;
  log?: (line: string) => void;
  /** How long a manual reset waits for the buttons (30 s by default, as the CLI). */
  manualWindowMs?: number;
  /** Where discovery looks (tests point it at a fake tree). */
  sysfsRoot?: string;
  devRoot?: string;
}

/** Finished jobs kept for GET /api/jobs/:id. */
const KEEP_FINISHED = 20;
/** Progress goes to every page at most this often; the last of each phase always goes. */
const PROGRESS_EVERY_MS = 100;
/** How long closing the service waits for a job to notice that its board went away. */
const CLOSE_WAIT_MS = 5000;

const JOB_ID = /^[0-9a-f]{16}$/;

export function isFlashJobId(id: string): boolean {
  return JOB_ID.test(id);
}

/**
 * Flash jobs: firmware written to a board in the background while pages watch. One job per port at a time
 * (the serial port's own lock keeps out everything else, such as a console); the upload is checked before a
 * job starts, and the job reports its steps, progress, result or error as events.
 */
export class FlashJobs extends EventEmitter<FlashJobEvents> {
  private readonly jobs = new Map<string, FlashJob>();
  private readonly running = new Map<string, { job: FlashJob; done: Promise<void> }>();
  private readonly opts: FlashJobsOptions;
  private closed = false;

  constructor(opts: FlashJobsOptions = {}) {
    super();
    this.opts = opts;
  }

  /** For the service: the simulated camera brings a simulated serial board, its flash kept in the data folder. */
  static async open(config: Pick<Config, 'camera' | 'dataDir'>, opts: Omit<FlashJobsOptions, 'sim'> = {}): Promise<FlashJobs> {
    const sim = parseCameraSpec(config.camera)?.kind === 'sim' ? await openSimFlashPort(config.dataDir) : undefined;
    return new FlashJobs({ ...opts, sim });
  }

  /** The simulated board, when there is one (tests unplug it, and read its flash). */
  get sim(): SimFlashPort | undefined {
    return this.opts.sim;
  }

  /** Serial ports, likely ESP boards (and the simulated one) first. */
  async ports(opts: { all?: boolean } = {}): Promise<FlashPortJson[]> {
    const ports = await listSerialPorts({
      all: opts.all === true,
      extra: this.opts.sim ? [this.opts.sim.info] : [],
      sysfsRoot: this.opts.sysfsRoot,
      devRoot: this.opts.devRoot,
    });
    return ports.map((p) => ({ ...p, simulated: isSimPortPath(p.path) }));
  }

  /**
   * Checks the request (the image, then the port) and starts the job; resolves as soon as it runs. Bad input
   * throws here, before any byte reaches a board.
   */
  async start(request: FlashJobRequest): Promise<FlashJobSnapshot> {
    if (this.closed) throw new Esp32CamError('E_CLOSED', 'The service is shutting down', 'Start the flash again once the service is back.');
    const offset = request.offset ?? 'auto';
    const force = request.force === true;
    checkUpload(request.image, { offset, force });
    const path = await this.resolvePort(request.port);
    // Checked again after the await: two uploads for one port may have raced through resolvePort.
    this.assertIdle(path);

    const job = new FlashJob(this.newId(), path, request.image.length);
    this.jobs.set(job.id, job);
    this.forgetOldJobs();
    this.emit('job:started', { job: job.snapshot() });
    const done = this.run(job, {
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
      ...(isSimPortPath(path) && this.opts.sim ? { binding: this.opts.sim.binding, bridge: this.opts.sim.bridge } : {}),
    });
    this.running.set(path, { job, done });
    void done.finally(() => this.running.delete(path));
    return job.snapshot();
  }

  /** A job by id, running or recently finished. */
  get(id: string): FlashJobSnapshot {
    if (!isFlashJobId(id)) throw new Esp32CamError('E_BAD_ID', `"${id}" is not a flash job id`, 'Use the id that POST /api/firmware returned.');
    const job = this.jobs.get(id);
    if (!job) throw new Esp32CamError('E_NOT_FOUND', `There is no flash job ${id}`, 'Jobs are kept until the service restarts, the last 20 finished ones only.');
    return job.snapshot();
  }

  /** Every job kept, newest first. */
  list(): FlashJobSnapshot[] {
    return [...this.jobs.values()].reverse().map((job) => job.snapshot());
  }

  /**
   * Refuses new jobs, pulls the simulated board's plug so a running job on it ends at once (a real board's
   * job is left to fail on its own when the process exits), and waits a bounded time for running jobs.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.sim?.board.unplug();
    const pending = [...this.running.values()].map((r) => r.done);
    if (pending.length > 0) {
      const timeout = new AbortController();
      await Promise.race([Promise.allSettled(pending), sleep(CLOSE_WAIT_MS, undefined, { signal: timeout.signal }).catch(() => undefined)]);
      timeout.abort();
    }
    await this.opts.sim?.close();
  }

  private async run(job: FlashJob, options: Omit<FlashOptions, 'onEvent'>): Promise<void> {
    let lastSent = 0;
    let lastPhase: string | undefined;
    let manualShown = false;
    const onEvent = (event: FlashEvent): void => {
      if (event.type === 'progress') {
        const { phase, written, total, bytesPerSecond } = event;
        job.progress = { phase, written, total, bytesPerSecond };
        const now = performance.now();
        if (phase !== lastPhase || written >= total || now - lastSent >= PROGRESS_EVERY_MS) {
          lastSent = now;
          lastPhase = phase;
          this.emit('job:progress', { id: job.id, ...job.progress });
        }
        return;
      }
      const line = logLineOf(event, manualShown);
      if (event.type === 'manual') manualShown = true;
      if (line) this.line(job, line);
    };
    this.line(job, `Flashing ${job.size} bytes to ${job.port}`);
    try {
      const result = await flashFirmware({ ...options, onEvent });
      job.result = result;
      job.state = 'done';
      job.finishedAt = new Date();
      this.line(job, doneLine(result));
      this.emit('job:done', { id: job.id, result });
    } catch (err) {
      const error = errorPayload(err);
      if (!(err instanceof Esp32CamError)) this.opts.log?.(`esp32cam: flash job ${job.id} failed unexpectedly: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      job.error = error;
      job.state = 'failed';
      job.finishedAt = new Date();
      this.emit('job:failed', { id: job.id, error });
    }
  }

  private line(job: FlashJob, line: string): void {
    job.addLine(line);
    this.emit('job:log', { id: job.id, line });
  }

  /** The port a job may use: the simulated board, or a serial port discovery knows (never an arbitrary file). */
  private async resolvePort(port: string | undefined): Promise<string> {
    if (port === undefined) return this.onlyBoard();
    this.assertIdle(port);
    if (isSimPortPath(port)) {
      if (port === this.opts.sim?.path) return port;
      throw new Esp32CamError('E_PORT_NOT_FOUND', `There is no simulated board at ${port}`,
        this.opts.sim ? `The simulated board is ${this.opts.sim.path}.` : 'The service runs a simulated board only with the simulated camera (camera "sim"); GET /api/ports lists the ports.');
    }
    const found = await findSerialPort(port, { sysfsRoot: this.opts.sysfsRoot, devRoot: this.opts.devRoot });
    if (!found) {
      throw new Esp32CamError('E_PORT_NOT_FOUND', `${port} is not a serial port of this machine`, 'Choose one of the ports GET /api/ports lists (`esp32cam ports` on the Pi); check that the board is plugged in.');
    }
    try {
      await access(found.path, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw openError(found.path, err);
    }
    return found.path;
  }

  private assertIdle(path: string): void {
    const running = this.running.get(path);
    if (!running) return;
    throw new Esp32CamError('E_PORT_BUSY', `${path} is being flashed already (job ${running.job.id})`,
      'Wait for that job to finish, then start again; one board takes one flash at a time.');
  }

  private async onlyBoard(): Promise<string> {
    const boards = (await this.ports()).filter((p) => p.likelyEsp);
    if (boards.length === 1) return boards[0]!.path;
    if (boards.length === 0) {
      throw new Esp32CamError('E_PORT_NOT_FOUND', 'No ESP board found on a USB-serial port',
        'Plug the board in (ESP32-CAM-MB or a USB-serial adapter), check that the cable carries data, and choose its port.');
    }
    throw new Esp32CamError('E_BAD_INPUT', `Several boards are plugged in: ${boards.map((p) => p.path).join(', ')}`, 'Choose one with ?port=.');
  }

  private newId(): string {
    for (;;) {
      const id = randomBytes(8).toString('hex');
      if (!this.jobs.has(id)) return id;
    }
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.id);
  }
}

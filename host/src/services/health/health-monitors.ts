import { EventEmitter } from 'node:events';
import type { HealthConfig } from '../../config/schema.js';
import { Esp32CamError } from '../../errors.js';
import type { Cameras } from '../cameras/index.js';
import type { PushJobs } from '../push-jobs.js';
import type { SerialPorts } from '../serial/index.js';
import { DEFAULT_THRESHOLDS, type HealthEvent, type HealthState } from './camera-health.js';
import { BootLogListener } from './boot-log-listener.js';
import { CameraMonitor, type CameraHealthReport } from './camera-monitor.js';
import { HealthLog } from './health-log.js';
import { BoardRecovery } from './recovery-actions.js';
import { DEFAULT_RECOVERY } from './recovery-ladder.js';

export interface HealthReport {
  /** The worst state of any camera: what a glance (or an alert rule) needs. */
  state: HealthState;
  cameras: CameraHealthReport[];
}

export interface HealthMonitorsOptions {
  cameras: Cameras;
  dataDir: string;
  config: HealthConfig;
  ports: SerialPorts;
  pushJobs: PushJobs;
}

type Events = { event: [HealthEvent & { camera: string }] };

const SEVERITY: HealthState[] = ['online', 'unknown', 'recovering', 'degraded', 'offline'];

/** Every camera's monitor, one stream of their events, and the report GET /api/health serves. */
export class HealthMonitors extends EventEmitter<Events> {
  private readonly byName = new Map<string, CameraMonitor>();
  private readonly bootLogs: BootLogListener[] = [];

  private constructor(monitors: CameraMonitor[]) {
    super();
    for (const m of monitors) {
      this.byName.set(m.name, m);
      m.on('event', (e) => this.emit('event', e));
    }
  }

  /** Builds a monitor per camera (its history read back from the data dir) and runs each one's first check. */
  static async start(opts: HealthMonitorsOptions): Promise<HealthMonitors> {
    const { config } = opts;
    const thresholds = { ...DEFAULT_THRESHOLDS, ...config.thresholds };
    const recovery = { ...DEFAULT_RECOVERY, ...config.recovery };
    const monitors = await Promise.all(
      opts.cameras.list().map(async (camera) => {
        const log = await HealthLog.open(opts.dataDir, camera.name);
        const actions = new BoardRecovery({
          camera: camera.name,
          client: camera.camera.client,
          serialPort: camera.camera.serialPort,
          ports: opts.ports,
          pushJobs: opts.pushJobs,
          serialReset: recovery.serialReset,
        });
        return new CameraMonitor({ camera, log, actions, thresholds, recovery, keepAliveMs: config.keepAliveMs });
      }),
    );
    const all = new HealthMonitors(monitors);
    for (const m of monitors) {
      const port = opts.cameras.get(m.name).camera.serialPort;
      if (!m.enabled || port === undefined || config.bootLog === false) continue;
      const listener = new BootLogListener({ camera: m.name, path: port, ports: opts.ports, onLine: (line) => m.bootLine(line) });
      m.bootLogState = () => (listener.listening ? 'listening' : 'waiting');
      all.bootLogs.push(listener);
    }
    await Promise.all(monitors.map((m) => m.start()));
    return all;
  }

  get(name?: string): CameraMonitor {
    const monitor = name === undefined ? this.byName.values().next().value : this.byName.get(name);
    if (!monitor) {
      throw new Esp32CamError(
        'E_NOT_FOUND',
        `There is no camera "${name}"`,
        `The cameras are ${[...this.byName.keys()].join(', ')}; GET /api/health lists them.`,
      );
    }
    return monitor;
  }

  list(): CameraMonitor[] {
    return [...this.byName.values()];
  }

  report(): HealthReport {
    const cameras = this.list().map((m) => m.report());
    const state = cameras.reduce<HealthState>((worst, c) => (SEVERITY.indexOf(c.state) > SEVERITY.indexOf(worst) ? c.state : worst), 'online');
    return { state, cameras };
  }

  /** Whether every monitor loop runs on time: one of the checks behind the host's systemd watchdog. */
  alive(): { ok: boolean; reason?: string } {
    for (const m of this.list()) {
      const a = m.alive();
      if (!a.ok) return a;
    }
    return { ok: true };
  }

  async close(): Promise<void> {
    await Promise.all([...this.list().map((m) => m.stop()), ...this.bootLogs.map((l) => l.stop())]);
  }
}

import type { Config } from '../config/schema.js';
import { Esp32CamError } from '../errors.js';
import { Cameras, CaptureService, type CameraHandle } from './cameras/index.js';
import { HealthMonitors } from './health/health-monitors.js';
import { ServiceMetrics } from './metrics/index.js';
import { FlashJobs } from './flash-jobs.js';
import { MQTT_OFF, startMqtt, type MqttService } from './mqtt/index.js';
import type { FsPort } from './fs-port.js';
import { PhotoStore } from './photo-store.js';
import { PushJobs } from './push-jobs.js';
import { SerialPorts, type ProvidedPort } from './serial/index.js';
import { SerialConsoles } from './serial-console.js';
import { CameraSettingsService } from './settings/index.js';
import { Schedules, healthAvailability, type Clock } from './schedules/index.js';
import { Streams } from './stream/index.js';

/** What the composition root opened for the service: the cameras, and simulated boards' serial ports. */
export interface ServiceHardware {
  /** One per configured camera, in the configured order. */
  cameras: CameraHandle[];
  /** Simulated boards' USB-serial sides. */
  ports: ProvidedPort[];
  /** Closes what the cameras stand on (buses, simulated boards); called after the services are closed. */
  close(): Promise<void>;
}

export interface Services {
  config: Config;
  store: PhotoStore;
  cameras: Cameras;
  serial: SerialPorts;
  /** Firmware flash jobs. */
  flashJobs: FlashJobs;
  /** The web page's serial consoles, on the same ports and port claims as flash jobs. */
  consoles: SerialConsoles;
  /** Script pushes and the board's file listing, on the same ports and claims. */
  pushJobs: PushJobs;
  /** Each camera's keep-alive, health state and recovery. */
  health: HealthMonitors;
  /** The Prometheus metrics GET /metrics serves. */
  metrics: ServiceMetrics;
  /** Each camera's live MJPEG stream. */
  streams: Streams;
  /** Each camera's wanted settings, applied again whenever the camera is reached or reboots. */
  settings: CameraSettingsService;
  /** The MQTT bridge (Home Assistant discovery, state, commands); MQTT_OFF when the config has no mqtt section. */
  mqtt: MqttService;
  /** Each camera's timelapse schedules. */
  schedules: Schedules;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** The keep-alive interval over the config's health.keepAliveMs; 0 turns keep-alive and recovery off (tests). */
  healthIntervalMs?: number;
  /** The photo store's file system; tests pass a wrapped one that runs out of space. */
  fs?: FsPort;
  log?: (line: string) => void;
  /** The schedules' wall clock and timers; tests fake them. */
  scheduleClock?: Clock;
}

/**
 * Opens the store first (a bad dataDir should fail before a board is booted), then the hardware through
 * `openHardware`, which the composition root chose (real buses and ports, or simulated boards).
 */
export async function startServices(config: Config, openHardware: () => Promise<ServiceHardware>, opts: ServiceOptions = {}): Promise<Services> {
  const specToName = new Map(config.cameras.map((c) => [c.camera, c.name]));
  const store = await PhotoStore.open({
    dataDir: config.dataDir,
    maxPhotos: config.retention.maxPhotos,
    maxBytes: config.retention.maxBytes,
    perCamera: config.retention.perCamera,
    nameOfSpec: (spec) => specToName.get(spec),
    log: opts.log,
    fs: opts.fs,
  });
  const hardware = await openHardware();
  // The health monitors own every periodic check: the services' own ping timer stays off.
  const services = hardware.cameras.map((camera) => {
    const setting = config.cameras.find((c) => c.name === camera.name)?.protocol ?? config.protocol;
    return new CaptureService({ camera, store, protocolSetting: setting, healthIntervalMs: 0, log: opts.log });
  });
  const cameras = new Cameras(services, store);
  const serial = new SerialPorts({ provided: hardware.ports });
  const flashJobs = new FlashJobs({ ports: serial, log: opts.log, maxImageBytes: config.limits.firmwareBytes });
  const consoles = new SerialConsoles({ ports: serial });
  const pushJobs = new PushJobs({
    ports: serial,
    log: opts.log,
    maxScriptBytes: config.limits.scriptBytes,
    pingFor: (path) => {
      // The camera on the board just pushed to: the one tied to that port, or the only camera there is.
      const on = cameras.list().find((s) => s.camera.serialPort === path) ?? (cameras.list().length === 1 ? cameras.first : undefined);
      if (!on) return undefined;
      return async (address) => {
        // A pushed setting can move the slave away from where this service looks for its camera: say so.
        if (address !== undefined && address !== on.camera.address) throw cameraMoved(address, on.camera.address, on.name, on.camera.specText);
        return on.ping();
      };
    },
  });
  const metrics = new ServiceMetrics({ cameras });
  let health: HealthMonitors;
  let settings: CameraSettingsService;
  let schedules: Schedules;
  try {
    // Only reads files; it starts acting once it watches the health monitors.
    settings = await CameraSettingsService.open({ cameras, dataDir: config.dataDir });
    const keepAliveMs = opts.healthIntervalMs ?? config.health.keepAliveMs;
    health = await HealthMonitors.start({
      cameras,
      dataDir: config.dataDir,
      config: { ...config.health, ...(keepAliveMs !== undefined ? { keepAliveMs } : {}) },
      ports: serial,
      pushJobs,
    });
    try {
      schedules = await Schedules.open({
        cameras,
        store,
        dataDir: config.dataDir,
        availability: healthAvailability(health),
        clock: opts.scheduleClock,
      });
    } catch (err) {
      await health.close();
      throw err;
    }
  } catch (err) {
    await Promise.allSettled([cameras.close(), pushJobs.close(), flashJobs.close(), consoles.close()]);
    await serial.close();
    await hardware.close();
    throw err;
  }
  metrics.watchHealth(health);
  settings.watch(health);
  // Each photo that does not choose its flash gets its camera's flash mode, kept with its settings.
  for (const camera of cameras.list()) camera.setFlashMode(() => settings.get(camera.name).flash);
  const streams = new Streams(cameras, { maxViewers: config.stream?.maxViewers });
  const running: Services = {
    config,
    store,
    cameras,
    serial,
    flashJobs,
    consoles,
    pushJobs,
    health,
    metrics,
    streams,
    settings,
    mqtt: MQTT_OFF,
    schedules,
    close: async () => {
      // First, while every camera still answers: the bridge says it goes offline.
      await running.mqtt.close();
      metrics.close();
      // Before the cameras: a scheduled photo under way ends on a live camera and its outcome is kept.
      await schedules.close();
      // Viewers go before the cameras: a stream's capture in flight ends on a live camera.
      await streams.close();
      await settings.close();
      // The monitors first: a recovery step must not start on a board that is going away.
      await health.close();
      // Consoles and pushes first: they hold ports that unplugging the simulated boards cuts.
      await consoles.close();
      serial.unplugProvided();
      await Promise.all([pushJobs.close(), flashJobs.close(), cameras.close()]);
      await serial.close();
      await hardware.close();
      // Thumbnails are made after their photos: the last ones are written before the data folder is let go.
      await store.thumbnailsDone();
    },
  };
  if (config.mqtt) {
    try {
      // It connects in the background: a broker that is down or refuses the login never holds the service up.
      running.mqtt = await startMqtt({ config: config.mqtt, dataDir: config.dataDir, cameras, health, settings, streams, ports: serial, pushJobs, metrics });
    } catch (err) {
      await running.close();
      throw err;
    }
  }
  return running;
}

function cameraMoved(now: number, configured: number, name: string, spec: string): Esp32CamError {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  return new Esp32CamError(
    'E_CONFIG',
    `The script now answers at I2C address ${hex(now)}, but camera "${name}" (${spec}) is at ${hex(configured)}`,
    `Push again with I2C_ADDRESS=${hex(configured)}, or point camera "${name}" at ${hex(now)} and restart the service.`,
  );
}

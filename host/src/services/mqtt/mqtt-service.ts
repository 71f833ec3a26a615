import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Counter, Gauge } from 'prom-client';
import type { MqttConfig } from '../../config/schema.js';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import type { Cameras } from '../cameras/index.js';
import type { HealthMonitors } from '../health/health-monitors.js';
import type { ServiceMetrics } from '../metrics/index.js';
import type { PushJobs } from '../push-jobs.js';
import type { SerialPorts } from '../serial/index.js';
import type { CameraSettingsService } from '../settings/index.js';
import type { Streams } from '../stream/index.js';
import { packageVersion } from '../version.js';
import { boardReboot, type RebootBoard } from './board-reboot.js';
import { MqttBridge } from './bridge.js';
import { MqttConnection, type ConnectionStatus } from './connection.js';
import { availabilityPayload } from './payloads.js';
import { PublishedRecord } from './published-record.js';
import { bridgeStateTopic, hostIdFromHostname, type TopicRoots } from './topics.js';

/** The defaults of the config's `mqtt` section (README "Home Assistant and MQTT"). */
export const MQTT_DEFAULTS = {
  baseTopic: 'esp32cam',
  discoveryPrefix: 'homeassistant',
  imageIntervalS: 10,
  imageMaxBytes: 2 * 1024 * 1024,
  healthIntervalS: 60,
} as const;

/** The environment variable read for the password when the config names none. */
export const DEFAULT_PASSWORD_ENV = 'ESP32CAM_MQTT_PASSWORD';

/** The MQTT connection as /api/status and the page show it. */
export type MqttStatus =
  | { enabled: false }
  | (ConnectionStatus & {
      enabled: true;
      hostId: string;
      baseTopic: string;
      discoveryPrefix: string;
      /** Retained topics the bridge keeps for the broker (sent again on every connection). */
      retainedTopics: number;
    });

export interface MqttService {
  status(): MqttStatus;
  close(): Promise<void>;
}

/** What the service is when the config has no `mqtt` section: nothing connects, and the status says so. */
export const MQTT_OFF: MqttService = { status: () => ({ enabled: false }), close: async () => undefined };

export interface MqttServiceOptions {
  config: MqttConfig;
  dataDir: string;
  cameras: Cameras;
  health: HealthMonitors;
  settings: CameraSettingsService;
  streams: Streams;
  ports: SerialPorts;
  pushJobs: PushJobs;
  metrics: ServiceMetrics;
  env?: NodeJS.ProcessEnv;
  /** The machine's host name, the default host id (tests pass their own). */
  hostname?: string;
  /** Reconnection backoff; tests shorten it. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The reboot command's action; by default the EN reset through the board's serial port. */
  reboot?: RebootBoard;
}

/**
 * Starts the MQTT bridge when the config has an `mqtt` section. Reading the password and CA files happens
 * here, so a wrong path stops the service with E_CONFIG at start; the broker itself is reached in the
 * background, and the service runs whether or not it ever answers.
 */
export async function startMqtt(opts: MqttServiceOptions): Promise<MqttService> {
  const { config } = opts;
  const env = opts.env ?? process.env;
  const roots: TopicRoots = {
    baseTopic: config.baseTopic ?? MQTT_DEFAULTS.baseTopic,
    discoveryPrefix: config.discoveryPrefix ?? MQTT_DEFAULTS.discoveryPrefix,
    hostId: config.hostId ?? hostIdFromHostname(opts.hostname ?? hostname()),
  };
  const password = await readPassword(config, env);
  const ca = config.caFile === undefined ? undefined : await readConfigFile(config.caFile, 'mqtt.caFile', 'the CA certificate (PEM) of the broker');
  const connection = new MqttConnection({
    url: config.url,
    clientId: config.clientId ?? `esp32cam-${roots.hostId}`,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(ca !== undefined ? { ca } : {}),
    will: { topic: bridgeStateTopic(roots), payload: availabilityPayload('offline'), qos: 1, retain: true },
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
    ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
  });
  const record = await PublishedRecord.open(opts.dataDir);
  const bridge = new MqttBridge({
    roots,
    connection,
    record,
    cameras: opts.cameras,
    health: opts.health,
    settings: opts.settings,
    streams: opts.streams,
    reboot: opts.reboot ?? boardReboot({ cameras: opts.cameras, ports: opts.ports, pushJobs: opts.pushJobs }),
    version: packageVersion(),
    imageIntervalMs: (config.imageIntervalS ?? MQTT_DEFAULTS.imageIntervalS) * 1000,
    imageMaxBytes: config.imageMaxBytes ?? MQTT_DEFAULTS.imageMaxBytes,
    healthIntervalMs: (config.healthIntervalS ?? MQTT_DEFAULTS.healthIntervalS) * 1000,
  });
  const status = (): MqttStatus => ({
    enabled: true,
    ...connection.status(),
    hostId: roots.hostId,
    baseTopic: roots.baseTopic,
    discoveryPrefix: roots.discoveryPrefix,
    retainedTopics: bridge.retainedTopics,
  });
  watchConnection(opts.metrics, connection);
  bridge.start();
  return { status, close: () => bridge.close() };
}

/** The connection's gauge and counter on the service's own registry (GET /metrics). */
function watchConnection(metrics: ServiceMetrics, connection: MqttConnection): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'esp32cam_mqtt_connected',
    help: 'Whether the MQTT bridge is connected to its broker: 1 when connected, 0 otherwise.',
    registers,
    collect() {
      this.set(connection.connected ? 1 : 0);
    },
  });
  const connections = new Counter({
    name: 'esp32cam_mqtt_connections_total',
    help: 'Connections the MQTT bridge made to its broker; more than one means it lost the broker and came back.',
    registers,
  });
  connections.inc(0);
  connection.on('connected', () => connections.inc());
}

/** The password from the config, a file, or an environment variable: never from a command line. */
async function readPassword(config: MqttConfig, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (config.password !== undefined) return config.password;
  if (config.passwordFile !== undefined) {
    const text = (await readConfigFile(config.passwordFile, 'mqtt.passwordFile', 'the password')).toString('utf8');
    // Files written with `echo` end in a newline that is not part of the password.
    return text.replace(/\r?\n$/, '');
  }
  const name = config.passwordEnv ?? DEFAULT_PASSWORD_ENV;
  const value = env[name];
  if (config.passwordEnv !== undefined && (value === undefined || value === '')) {
    throw new Esp32CamError(
      'E_CONFIG',
      `mqtt.passwordEnv names ${name}, but that environment variable is not set`,
      `Set ${name} in the service's environment (systemd: Environment= or EnvironmentFile=), or use mqtt.passwordFile.`,
    );
  }
  return value === '' ? undefined : value;
}

async function readConfigFile(path: string, key: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = systemErrorCode(err);
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(err)})`;
    throw new Esp32CamError('E_CONFIG', `${key}: ${path} ${why}`, `Point ${key} at the file holding ${what}, readable by the service's user.`, { cause: err });
  }
}

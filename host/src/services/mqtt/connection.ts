import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { logger } from '../../log/index.js';

const log = logger('mqtt');

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface LastWill {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface ConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM CA certificates for mqtts:// and wss:// brokers with their own CA. */
  ca?: Buffer;
  will: LastWill;
  /** The first wait after a lost or failed connection; each next one doubles, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  random?: () => number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface ConnectionStatus {
  state: ConnectionState;
  /** The broker's URL, without credentials. */
  broker: string;
  connectedAt: string | null;
  /** Why the last connection failed or ended, until the next one succeeds. */
  lastError: { message: string; at: string } | null;
  /** Successful connections since start. */
  connections: number;
  /** When the next attempt is due, while reconnecting. */
  nextAttemptAt: string | null;
}

type Events = {
  connected: [];
  disconnected: [];
  message: [topic: string, payload: Buffer, retained: boolean];
};

/**
 * One connection to the broker that never gives up and never throws at its users: a broker that is down,
 * refuses the login or goes away is a state and an error message, retried with exponential backoff and
 * jitter. MQTT.js's own reconnect timer is fixed-period, so this class runs its own; nothing is queued
 * inside MQTT.js (publishing while disconnected returns false and the caller keeps the state itself).
 */
export class MqttConnection extends EventEmitter<Events> {
  private client: MqttClient | undefined;
  private current: ConnectionState = 'connecting';
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private connectedAt: Date | undefined;
  private lastError: { message: string; at: string } | null = null;
  private connections = 0;
  private nextAttemptAt: Date | undefined;
  private readonly random: () => number;

  constructor(private readonly opts: ConnectionOptions) {
    super();
    this.random = opts.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.current;
  }

  get connected(): boolean {
    return this.current === 'connected' && this.client?.connected === true;
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.client || this.closing) return;
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      clean: true,
      keepalive: this.opts.keepaliveS ?? 30,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      // Reconnection is this class's (with backoff), and nothing waits in MQTT.js's queues while offline.
      reconnectPeriod: 0,
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: this.opts.will.topic, payload: Buffer.from(this.opts.will.payload), qos: this.opts.will.qos, retain: this.opts.will.retain },
    };
    if (this.opts.username !== undefined) options.username = this.opts.username;
    if (this.opts.password !== undefined) options.password = this.opts.password;
    if (this.opts.ca !== undefined) options.ca = this.opts.ca;
    log.info(`connecting to ${redact(this.opts.url)} as ${this.opts.clientId}`);
    const client = connect(this.opts.url, options);
    this.client = client;
    client.on('connect', () => {
      this.current = 'connected';
      this.failures = 0;
      this.connections++;
      this.connectedAt = new Date();
      this.lastError = null;
      this.nextAttemptAt = undefined;
      log.info(`connected to ${redact(this.opts.url)}`);
      this.emit('connected');
    });
    client.on('message', (topic, payload, packet) => this.emit('message', topic, payload, packet.retain));
    client.on('error', (err) => {
      this.lastError = { message: describe(err), at: new Date().toISOString() };
      log.warn(`broker ${redact(this.opts.url)}: ${describe(err)}`);
    });
    client.on('close', () => this.lost());
  }

  /** Publishes now when connected, and says whether it did; never throws, never queues. `done` runs once the message is out (or failed). */
  publish(topic: string, payload: Buffer | string, opts: PublishOptions, done?: (err?: Error) => void): boolean {
    const client = this.client;
    if (!client || !this.connected) return false;
    try {
      client.publish(topic, payload, { qos: opts.qos, retain: opts.retain }, (err) => {
        if (err) log.debug(`publish to ${topic} failed: ${err.message}`);
        done?.(err);
      });
      return true;
    } catch (err) {
      log.debug(`publish to ${topic} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** Subscribes on the current connection (a clean session forgets them: call it again on each `connected`). */
  subscribe(filters: string[]): void {
    if (!this.client || !this.connected) return;
    this.client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) log.warn(`could not subscribe to ${filters.join(', ')}: ${err.message}`);
    });
  }

  status(): ConnectionStatus {
    return {
      state: this.current,
      broker: redact(this.opts.url),
      connectedAt: this.connected && this.connectedAt ? this.connectedAt.toISOString() : null,
      lastError: this.lastError,
      connections: this.connections,
      nextAttemptAt: this.current === 'reconnecting' && this.nextAttemptAt ? this.nextAttemptAt.toISOString() : null,
    };
  }

  /**
   * Sends `farewell` (the bridge's offline state: a clean disconnect does not fire the last will), waits for
   * it at most `waitMs`, then disconnects and stops reconnecting.
   */
  async close(farewell?: { topic: string; payload: string; opts: PublishOptions }, waitMs = 2000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.timer);
    const client = this.client;
    if (!client) {
      this.current = 'closed';
      return;
    }
    if (farewell && this.connected) {
      await withTimeout(new Promise<void>((resolve) => this.publish(farewell.topic, farewell.payload, farewell.opts, () => resolve()) || resolve()), waitMs);
    }
    await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), waitMs);
    // A broker that did not answer the DISCONNECT: drop the socket.
    if (!client.disconnected) client.end(true);
    this.current = 'closed';
  }

  private lost(): void {
    const wasConnected = this.current === 'connected';
    if (this.closing) {
      this.current = 'closed';
      return;
    }
    this.current = 'reconnecting';
    // A broker that stops or drops the socket says nothing: the status still needs a reason.
    if (wasConnected && this.lastError === null) this.lastError = { message: 'the broker closed the connection', at: new Date().toISOString() };
    if (wasConnected) {
      log.warn(`lost the connection to ${redact(this.opts.url)}${this.lastError ? `: ${this.lastError.message}` : ''}`);
      this.emit('disconnected');
    }
    if (this.timer) return;
    const base = this.opts.backoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 60_000;
    const delay = Math.min(max, base * 2 ** Math.min(this.failures, 16));
    this.failures++;
    // ±20 %, so that the hosts of a fleet do not all knock at once when the broker comes back.
    const jittered = Math.round(delay * (0.8 + 0.4 * this.random()));
    this.nextAttemptAt = new Date(Date.now() + jittered);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closing || !this.client) return;
      this.current = this.connections > 0 ? 'reconnecting' : 'connecting';
      try {
        this.client.reconnect();
      } catch (err) {
        // MQTT.js reports connection trouble as events; anything thrown here is retried like them.
        this.lastError = { message: describe(err as Error), at: new Date().toISOString() };
        this.lost();
      }
    }, jittered);
    this.timer.unref();
  }
}

/** The URL as it may be shown: user and password taken out. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

function describe(err: Error & { code?: unknown }): string {
  const code = typeof err.code === 'string' ? err.code : undefined;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

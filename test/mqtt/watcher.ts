/**
 * A test's own MQTT.js client: it records every message on the filters it follows, and waits for the one
 * a step expects, with a generous deadline and a failure message that says what did arrive.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export interface Seen {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** Its position in the record: waits can ask for messages after a mark. */
  seq: number;
}

export class Watcher {
  readonly seen: Seen[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.seen.push({ topic, payload, retain: packet.retain, seq: this.seen.length });
      for (const w of [...this.waiters]) w();
    });
  }

  static async connect(url: string, filters: string[], opts: IClientOptions = {}): Promise<Watcher> {
    // Reconnecting on its own, so a broker restart in a test does not end the watcher.
    const client = await connectAsync(url, { reconnectPeriod: 200, connectTimeout: 5000, ...opts });
    const watcher = new Watcher(client);
    if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
    return watcher;
  }

  /** Where the record is now; pass it to `next` to wait only for what comes after. */
  mark(): number {
    return this.seen.length;
  }

  /** The newest message on `topic` seen so far. */
  last(topic: string): Seen | undefined {
    for (let i = this.seen.length - 1; i >= 0; i--) if (this.seen[i].topic === topic) return this.seen[i];
    return undefined;
  }

  /** The newest payload of `topic` read as JSON. */
  json<T = Record<string, unknown>>(topic: string): T | undefined {
    const m = this.last(topic);
    return m && m.payload.length > 0 ? (JSON.parse(m.payload.toString()) as T) : undefined;
  }

  /** The first message from `from` on that matches; rejects after `ms` naming `what` and the topics seen. */
  next(match: (m: Seen) => boolean, what: string, opts: { from?: number; ms?: number } = {}): Promise<Seen> {
    const from = opts.from ?? 0;
    const ms = opts.ms ?? 30_000;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < this.seen.length; i++) {
          if (match(this.seen[i])) {
            cleanup();
            resolve(this.seen[i]);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const topics = [...new Set(this.seen.slice(from).map((m) => m.topic))];
        reject(
          new Error(
            `timed out after ${ms} ms waiting for ${what}; ${this.seen.length - from} messages came, on ${topics.slice(0, 40).join(', ') || 'no topic'}`,
          ),
        );
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for a JSON message on `topic` whose body matches. */
  async nextJson<T = Record<string, unknown>>(topic: string, match: (body: T) => boolean, what: string, opts: { from?: number; ms?: number } = {}): Promise<T> {
    const m = await this.next(
      (s) => {
        if (s.topic !== topic || s.payload.length === 0) return false;
        try {
          return match(JSON.parse(s.payload.toString()) as T);
        } catch {
          return false;
        }
      },
      what,
      opts,
    );
    return JSON.parse(m.payload.toString()) as T;
  }

  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<unknown> {
    return this.client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

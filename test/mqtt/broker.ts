/**
 * A real Mosquitto for the MQTT tests: started on a free port with its own config file in a temp folder,
 * ready once an MQTT client gets its CONNACK, and restartable on the same port (with persistence off, a
 * restart forgets every retained message, as a broker that crashed would).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export interface BrokerOptions {
  /** Users and their passwords; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Also listen for MQTT over WebSockets. */
  websockets?: boolean;
  /** Also listen for MQTT over TLS with this server certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** The MQTT port; a free one by default. */
  port?: number;
}

export interface Broker {
  port: number;
  url: string;
  wsUrl?: string;
  tlsUrl?: string;
  dir: string;
  /** Stops it (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same ports; resolves once it takes connections. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
  /** What mosquitto printed, for failure messages. */
  output(): string;
}

export function mosquittoPath(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('mosquitto is not installed: apt-get install mosquitto (.ci/run installs it)');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Connects a client, retrying while the broker is not up yet; rejects after `ms` with the last error. */
export async function connectWhenUp(url: string, opts: IClientOptions = {}, ms = 20_000): Promise<MqttClient> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the broker at ${url} took no connection within ${ms} ms: ${String(last)}`);
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const binary = mosquittoPath();
  const dir = await mkdtemp(join(tmpdir(), 'esp32cam-mosquitto-'));
  const port = opts.port ?? (await freePort());
  const wsPort = opts.websockets ? await freePort() : undefined;
  const tlsPort = opts.tls ? await freePort() : undefined;
  const lines = [
    // Mosquitto run as root switches to the "mosquitto" user, which could not read this temp folder.
    `user ${userInfo().username}`,
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'per_listener_settings false',
    opts.users ? 'allow_anonymous false' : 'allow_anonymous true',
    `listener ${port} 127.0.0.1`,
  ];
  if (wsPort !== undefined) lines.push(`listener ${wsPort} 127.0.0.1`, 'protocol websockets');
  if (tlsPort !== undefined && opts.tls) lines.push(`listener ${tlsPort} 127.0.0.1`, `certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`);
  if (opts.users) {
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, '');
    for (const [user, password] of Object.entries(opts.users)) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr || r.error}`);
    }
    lines.push(`password_file ${passwd}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `${lines.join('\n')}\n`);
  const url = `mqtt://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    const proc = spawn(binary, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const died = exited.then(() => {
      throw new Error(`mosquitto exited at start:\n${log}`);
    });
    const probe = (async () => {
      const client = await connectWhenUp(url, opts.users ? { username: Object.keys(opts.users)[0], password: Object.values(opts.users)[0] } : {});
      await client.endAsync();
    })();
    void died.catch(() => undefined);
    void probe.catch(() => undefined);
    await Promise.race([probe, died]);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  await start();
  return {
    port,
    url,
    ...(wsPort !== undefined ? { wsUrl: `ws://127.0.0.1:${wsPort}` } : {}),
    ...(tlsPort !== undefined ? { tlsUrl: `mqtts://localhost:${tlsPort}` } : {}),
    dir,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    output: () => log,
  };
}

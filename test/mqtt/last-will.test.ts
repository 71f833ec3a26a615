/**
 * A host run as its own process (`esp32cam serve` from the build), next to one in this process, on a broker
 * that wants passwords: a camera removed from its config has its entities emptied at the next start, and
 * kill -9 makes its bridge offline through the last will while the other host stays online.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import { BIN } from '../cli-device/cli-run.js';
import { startBroker, type Broker } from './broker.js';
import { Watcher } from './watcher.js';

const USERS = { alpha: 'alpha-secret', gamma: 'gamma secret with spaces', watcher: 'watcher-secret' };
const CAMERA_CONFIGS = ['camera/camera', 'button/capture', 'switch/led', 'binary_sensor/connectivity', 'sensor/health', 'button/reboot'];

interface Child {
  proc: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('a host in its own process, killed with SIGKILL', () => {
  let broker: Broker;
  let watcher: Watcher;
  let alpha: RunningServer;
  let work: string;
  let gamma: Child | undefined;

  /** Starts `esp32cam serve` for host gamma with these cameras; the password only in its environment. */
  async function startGamma(cameras: Array<{ name: string; camera: string }>): Promise<Child> {
    const config = join(work, 'gamma.json');
    await writeFile(
      config,
      JSON.stringify({ port: 0, dataDir: join(work, 'gamma-data'), cameras, health: { keepAliveMs: 1000 }, mqtt: { username: 'gamma', hostId: 'gamma' } }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, ESP32CAM_MQTT_PASSWORD: USERS.gamma };
    delete env.ESP32CAM_CONFIG;
    const proc = spawn(process.execPath, [BIN, 'serve', '--config', config, '--mqtt', broker.url, '--log-level', 'warn'], { cwd: work, env, stdio: 'pipe' });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const child = { proc, output: () => out, exited };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`esp32cam serve did not start in 60 s:\n${out}`)), 60_000);
      const check = (): void => {
        if (out.includes('esp32cam: serving')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`esp32cam serve exited at start:\n${out}`));
      });
    });
    return child;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'esp32cam-mqtt-will-'));
    broker = await startBroker({ users: USERS });
    watcher = await Watcher.connect(broker.url, ['esp32cam/#', 'homeassistant/#'], { username: 'watcher', password: USERS.watcher });
    const passwordFile = join(work, 'alpha-password');
    await writeFile(passwordFile, `${USERS.alpha}\n`, { mode: 0o600 });
    alpha = await startServer(
      {
        port: 0,
        dataDir: join(work, 'alpha-data'),
        cameras: [
          { name: 'front', camera: 'sim' },
          { name: 'back', camera: 'sim@0x2d' },
        ],
        health: { keepAliveMs: 1000 },
        mqtt: { url: broker.url, hostId: 'alpha', username: 'alpha', passwordFile },
      },
      { log: () => undefined },
    );
  }, 120_000);

  afterAll(async () => {
    if (gamma && gamma.proc.exitCode === null && gamma.proc.signalCode === null) {
      gamma.proc.kill('SIGKILL');
      await gamma.exited;
    }
    await alpha?.close();
    await watcher?.close();
    await broker?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('logs in with the password from a file and from the environment, never from the command line', async () => {
    await watcher.nextJson('esp32cam/alpha/bridge/state', (s) => s.state === 'online', 'alpha online');
    gamma = await startGamma([
      { name: 'front', camera: 'sim' },
      { name: 'back', camera: 'sim@0x2d' },
    ]);
    await watcher.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'online', 'gamma online');
    for (const c of CAMERA_CONFIGS)
      await watcher.next((m) => m.topic === `homeassistant/${c.split('/')[0]}/gamma_back/${c.split('/')[1]}/config` && m.payload.length > 0, `gamma back ${c}`);
    expect(gamma.output()).not.toContain(USERS.gamma);
    expect(gamma.output()).toContain(`esp32cam: MQTT to ${broker.url} under esp32cam/gamma/`);
  }, 120_000);

  it("empties a removed camera's entities and states when the host starts without it", async () => {
    const from = watcher.mark();
    gamma!.proc.kill('SIGTERM');
    expect(await gamma!.exited).toEqual({ code: 0, signal: null });
    // A clean stop says goodbye itself: the last will is for when it cannot.
    await watcher.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'offline', 'gamma offline after SIGTERM', { from });
    const restart = watcher.mark();
    gamma = await startGamma([{ name: 'front', camera: 'sim' }]);
    const emptied = [
      ...CAMERA_CONFIGS.map((c) => `homeassistant/${c.split('/')[0]}/gamma_back/${c.split('/')[1]}/config`),
      'homeassistant/select/gamma_back/frame_size/config',
      'homeassistant/number/gamma_back/quality/config',
      'esp32cam/gamma/back/state',
      'esp32cam/gamma/back/availability',
    ];
    for (const t of emptied) await watcher.next((m) => m.topic === t && m.payload.length === 0, `${t} emptied`, { from: restart });
    await watcher.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'online', 'gamma online again', { from: restart });
    // The broker keeps none of them: a client arriving now sees the front camera's config and not the back one's.
    const late = await Watcher.connect(broker.url, ['homeassistant/+/+/+/config'], { username: 'watcher', password: USERS.watcher });
    try {
      await late.next((m) => m.topic === 'homeassistant/button/gamma_front/capture/config' && m.retain, 'the front camera config, retained');
      await late.next((m) => m.topic === 'homeassistant/button/alpha_back/capture/config' && m.retain, "alpha's back camera config, retained");
      expect(late.seen.filter((m) => m.topic.includes('/gamma_back/'))).toEqual([]);
    } finally {
      await late.close();
    }
  }, 120_000);

  it('sends the last will (bridge offline) when the host is killed with SIGKILL, while the other host stays online', async () => {
    await watcher.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'online', 'gamma online');
    const from = watcher.mark();
    const killed = performance.now();
    gamma!.proc.kill('SIGKILL');
    await watcher.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'offline', 'the last will of gamma', { from, ms: 60_000 });
    const ms = performance.now() - killed;
    expect(await gamma!.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Nothing said alpha went away, the broker holds it online, and it still takes commands.
    expect(watcher.seen.slice(from).filter((m) => m.topic === 'esp32cam/alpha/bridge/state')).toEqual([]);
    const late = await Watcher.connect(broker.url, ['esp32cam/+/bridge/state'], { username: 'watcher', password: USERS.watcher });
    try {
      await late.nextJson('esp32cam/alpha/bridge/state', (s) => s.state === 'online', 'alpha still online, retained');
      await late.nextJson('esp32cam/gamma/bridge/state', (s) => s.state === 'offline', 'gamma offline, retained');
    } finally {
      await late.close();
    }
    const mark = watcher.mark();
    await watcher.publish('esp32cam/alpha/front/led/set', 'ON');
    await watcher.nextJson('esp32cam/alpha/front/response', (r) => r.command === 'led' && r.ok === true, 'alpha answers a command', { from: mark });
    expect(alpha.services.mqtt.status()).toMatchObject({ state: 'connected', connections: 1 });
    console.info(`kill -9 → bridge offline through the last will: ${ms.toFixed(0)} ms`);
  }, 120_000);
});

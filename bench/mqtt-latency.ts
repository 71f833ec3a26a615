/**
 * The MQTT figures of issue 12, against a real Mosquitto on loopback: the time from a Home Assistant button
 * press (a publish to `<camera>/capture/set`) to the JPEG on `<camera>/image`, and from `kill -9` of a host
 * to its `bridge/state` offline through the last will. Needs Debian's mosquitto; the row says so without it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectAsync, type MqttClient } from 'mqtt';
import { startServer } from '../host/src/app/index.js';
import { packageRoot } from '../host/src/paths.js';

export interface MqttLatency {
  pressToImageMs: number[];
  killToOfflineMs: number[];
}

export function mosquittoBinary(): string | undefined {
  for (const path of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(path)) return path;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function connectWhenUp(url: string): Promise<MqttClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The next message on `topic` that `accept` takes, after `act` ran. */
function nextMessage(client: MqttClient, topic: string, accept: (payload: Buffer) => boolean, act: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${topic} within 60 s`)), 60_000);
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic || !accept(payload)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve();
    };
    client.on('message', onMessage);
    act();
  });
}

const isJpeg = (p: Buffer): boolean => p.length > 4 && p[0] === 0xff && p[1] === 0xd8 && p.at(-2) === 0xff && p.at(-1) === 0xd9;
const stateIs = (want: string) => (p: Buffer) => p.length > 0 && (JSON.parse(p.toString()) as { state?: string }).state === want;

export async function mqttLatency(presses: number, kills: number): Promise<MqttLatency> {
  const binary = mosquittoBinary();
  if (!binary) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const dir = await mkdtemp(join(tmpdir(), 'esp32cam-bench-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [`user ${userInfo().username}`, 'persistence false', 'allow_anonymous true', `listener ${port} 127.0.0.1`, ''].join('\n'));
  const broker = spawn(binary, ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  const result: MqttLatency = { pressToImageMs: [], killToOfflineMs: [] };
  let watcher: MqttClient | undefined;
  try {
    watcher = await connectWhenUp(url);
    await watcher.subscribeAsync('esp32cam/#');
    // Listening before the host starts: its first state goes out while it starts.
    const online = nextMessage(watcher, 'esp32cam/alpha/bridge/state', stateIs('online'), () => undefined);
    online.catch(() => undefined); // awaited below; a start-up failure must not leave it unhandled meanwhile
    const server = await startServer(
      { port: 0, host: '127.0.0.1', dataDir: join(dir, 'alpha'), camera: 'sim', mqtt: { url, hostId: 'alpha' } },
      { healthIntervalMs: 0, log: () => undefined },
    );
    try {
      await online;
      for (let i = 0; i < presses; i++) {
        const pressed = performance.now();
        await nextMessage(watcher, 'esp32cam/alpha/cam/image', isJpeg, () => void watcher!.publish('esp32cam/alpha/cam/capture/set', 'PRESS'));
        result.pressToImageMs.push(performance.now() - pressed);
      }
    } finally {
      await server.close();
    }
    const bin = join(packageRoot(), 'bin', 'esp32cam.js');
    for (let i = 0; i < kills; i++) {
      const hostId = `beta${i}`;
      const config = join(dir, `${hostId}.json`);
      await writeFile(config, JSON.stringify({ port: 0, dataDir: join(dir, hostId), camera: 'sim', mqtt: { url, hostId } }));
      const env = { ...process.env };
      delete env.ESP32CAM_CONFIG;
      const stateTopic = `esp32cam/${hostId}/bridge/state`;
      let host: ReturnType<typeof spawn> | undefined;
      try {
        await nextMessage(watcher, stateTopic, stateIs('online'), () => {
          host = spawn(process.execPath, [bin, 'serve', '--config', config, '--log-level', 'warn'], { env, stdio: 'ignore' });
        });
      } catch (err) {
        host?.kill('SIGKILL');
        throw err;
      }
      const killed = performance.now();
      await nextMessage(watcher, stateTopic, stateIs('offline'), () => host!.kill('SIGKILL'));
      result.killToOfflineMs.push(performance.now() - killed);
      await watcher.publishAsync(stateTopic, '', { retain: true });
    }
    return result;
  } finally {
    await watcher?.endAsync();
    broker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

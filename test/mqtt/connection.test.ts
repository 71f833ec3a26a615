/**
 * The connection to the broker, through a real service with a simulated camera: off unless configured; a
 * broker that is down, silent or refuses the login never stops a capture nor the service; it comes back by
 * itself; ws://, and mqtts:// with the broker's own CA, work; config mistakes are E_CONFIG at start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';
import { freePort, startBroker, type Broker } from './broker.js';
import { Watcher } from './watcher.js';

let work: string;
const running: RunningServer[] = [];
const brokers: Broker[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'esp32cam-mqtt-conn-'));
});
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.close()));
  await Promise.allSettled(brokers.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let serial = 0;
async function serve(mqtt?: ConfigInput['mqtt']): Promise<RunningServer> {
  const srv = await startServer(
    { port: 0, dataDir: join(work, `data-${serial++}`), camera: 'sim', ...(mqtt ? { mqtt } : {}) },
    // No keep-alive: these cases are about the broker, and fewer boards' worth of work keeps them quick on a busy machine.
    { healthIntervalMs: 0, log: () => undefined },
  );
  running.push(srv);
  return srv;
}

async function status(srv: RunningServer): Promise<{ mqtt: Record<string, unknown> }> {
  return (await (await fetch(`${srv.url}/api/status`)).json()) as { mqtt: Record<string, unknown> };
}

async function capture(srv: RunningServer): Promise<{ status: number; body: { id?: string; size?: number } }> {
  const res = await fetch(`${srv.url}/api/cameras/cam/capture`, { method: 'POST', headers: { origin: srv.url } });
  return { status: res.status, body: (await res.json()) as { id?: string; size?: number } };
}

describe('the MQTT connection', () => {
  it('is off unless configured: nothing connects, the status says so, and no MQTT metrics', async () => {
    const srv = await serve();
    expect((await status(srv)).mqtt).toEqual({ enabled: false });
    expect(srv.services.mqtt.status()).toEqual({ enabled: false });
    expect(await (await fetch(`${srv.url}/metrics`)).text()).not.toContain('esp32cam_mqtt');
  });

  it('starts and captures while the broker is down, then connects by itself when it comes up', async () => {
    const port = await freePort();
    const srv = await serve({ url: `mqtt://127.0.0.1:${port}`, hostId: 'late' });
    await expect
      .poll(() => srv.services.mqtt.status(), { timeout: 30_000 })
      .toMatchObject({ state: 'reconnecting', lastError: { message: expect.stringMatching(/ECONNREFUSED/) } });
    const shot = await capture(srv);
    expect(shot.status).toBe(201);
    expect((await status(srv)).mqtt).toMatchObject({ enabled: true, state: 'reconnecting', connectedAt: null, nextAttemptAt: expect.any(String) });
    expect(await (await fetch(`${srv.url}/metrics`)).text()).toMatch(/^esp32cam_mqtt_connected 0$/m);

    const broker = await startBroker({ port });
    brokers.push(broker);
    const watcher = await Watcher.connect(broker.url, ['esp32cam/late/#', 'homeassistant/+/late_cam/+/config']);
    try {
      await watcher.nextJson('esp32cam/late/bridge/state', (s) => s.state === 'online', 'the bridge online once the broker is up', { ms: 60_000 });
      await watcher.next((m) => m.topic === 'homeassistant/button/late_cam/capture/config', 'discovery once the broker is up');
      // The photo taken while the broker was away is on the image topic now, read back from the store.
      const image = await watcher.next((m) => m.topic === 'esp32cam/late/cam/image', 'the newest stored photo');
      expect(image.payload.length).toBe(shot.body.size);
      // Nothing of the time away piled up: one retained state per topic.
      expect(watcher.seen.filter((m) => m.topic === 'esp32cam/late/cam/state').length).toBeLessThanOrEqual(2);
    } finally {
      await watcher.close();
    }
  }, 120_000);

  it('never holds a capture up behind a broker that takes the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const srv = await serve({ url: `mqtt://127.0.0.1:${port}`, hostId: 'stuck' });
      await expect.poll(() => sockets.length, { timeout: 30_000 }).toBeGreaterThan(0);
      // The CONNECT is unanswered (and asked again after each timeout): captures go on meanwhile.
      for (let i = 0; i < 3; i++) {
        expect((await capture(srv)).status).toBe(201);
        const mqtt = srv.services.mqtt.status();
        expect(mqtt).toMatchObject({ connections: 0, connectedAt: null });
        expect(mqtt).not.toMatchObject({ state: 'connected' });
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);

  it('keeps running and capturing when the broker refuses the login, and says why', async () => {
    const broker = await startBroker({ users: { cam: 'right' } });
    brokers.push(broker);
    const env = 'ESP32CAM_TEST_WRONG_PASSWORD';
    process.env[env] = 'wrong';
    try {
      const srv = await serve({ url: broker.url, hostId: 'refused', username: 'cam', passwordEnv: env });
      await expect
        .poll(() => srv.services.mqtt.status(), { timeout: 30_000 })
        .toMatchObject({
          state: 'reconnecting',
          connections: 0,
          lastError: { message: expect.stringMatching(/Not authorized|Bad username or password/) },
        });
      expect((await capture(srv)).status).toBe(201);
      expect((await status(srv)).mqtt).toMatchObject({
        state: 'reconnecting',
        lastError: { message: expect.stringMatching(/Not authorized|Bad username or password/) },
      });
    } finally {
      delete process.env[env];
    }
  }, 60_000);

  it('connects over WebSockets (ws://)', async () => {
    const broker = await startBroker({ websockets: true });
    brokers.push(broker);
    const watcher = await Watcher.connect(broker.url, ['esp32cam/overws/#']);
    try {
      const srv = await serve({ url: broker.wsUrl!, hostId: 'overws' });
      await watcher.nextJson('esp32cam/overws/bridge/state', (s) => s.state === 'online', 'the bridge online over ws://');
      expect(srv.services.mqtt.status()).toMatchObject({ state: 'connected', broker: broker.wsUrl });
    } finally {
      await watcher.close();
    }
  }, 60_000);

  it('connects over TLS (mqtts://) to a broker with its own CA given as caFile, and fails without it', async () => {
    const pki = await makePki(join(work, 'pki'));
    const broker = await startBroker({ tls: { certFile: pki.cert, keyFile: pki.key } });
    brokers.push(broker);
    const watcher = await Watcher.connect(broker.url, ['esp32cam/+/bridge/state']);
    try {
      const trusted = await serve({ url: broker.tlsUrl!, hostId: 'tls', caFile: pki.ca });
      await watcher.nextJson('esp32cam/tls/bridge/state', (s) => s.state === 'online', 'the bridge online over mqtts://');
      expect(trusted.services.mqtt.status()).toMatchObject({ state: 'connected' });
      const untrusted = await serve({ url: broker.tlsUrl!, hostId: 'notls' });
      await expect
        .poll(() => untrusted.services.mqtt.status(), { timeout: 30_000 })
        .toMatchObject({
          state: 'reconnecting',
          lastError: { message: expect.stringMatching(/certificate/i) },
        });
    } finally {
      await watcher.close();
    }
  }, 60_000);

  it('refuses a password in the URL, and a password variable that is not set, as E_CONFIG at start', async () => {
    await expect(serve({ url: 'mqtt://cam:secret@127.0.0.1:1883' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/mqtt\.url: must not hold the password/),
    });
    await expect(serve({ url: 'http://127.0.0.1:1883' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//),
    });
    await expect(serve({ url: 'mqtt://127.0.0.1:1883', password: 'a', passwordEnv: 'B' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/give one of/),
    });
    await expect(serve({ url: 'mqtt://127.0.0.1:1883', passwordEnv: 'ESP32CAM_TEST_NOT_SET' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/ESP32CAM_TEST_NOT_SET/),
    });
    await expect(serve({ url: 'mqtt://127.0.0.1:1883', passwordFile: join(work, 'missing') })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/mqtt\.passwordFile: .* does not exist/),
    });
    await expect(serve({ url: 'mqtt://127.0.0.1:1883', hostId: 'Pi_1' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/mqtt\.hostId/),
    });
    await expect(serve({ hostId: 'pi' } as ConfigInput['mqtt'])).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/mqtt\.url\) is missing/),
    });
  }, 60_000);
});

/** A CA and a server certificate for localhost, made with openssl. */
async function makePki(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.error}`);
  };
  spawnSync('mkdir', ['-p', dir]);
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=esp32cam test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

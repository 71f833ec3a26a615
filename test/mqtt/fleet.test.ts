/**
 * Two hosts (`alpha`, `beta`), each a whole service with two simulated ESP32-CAMs, on one real Mosquitto,
 * watched and driven by a test client as Home Assistant would: discovery, the capture button, the LED
 * switch, settings, malformed commands, Home Assistant's birth message, a hung board and a broker restart.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../host/src/app/index.js';
import type { ConfigInput } from '../../host/src/config/schema.js';
import { checkJpeg } from '../../protocol/src/index.js';
import { startBroker, type Broker } from './broker.js';
import { Watcher, type Seen } from './watcher.js';

const HOSTS = ['alpha', 'beta'] as const;
const CAMERAS = [
  { name: 'front', camera: 'sim' },
  { name: 'back', camera: 'sim@0x2d' },
];
/** Checks every half second; a failing board is retried without resets, so a hang ends in "online" again by itself. */
const HEALTH: ConfigInput['health'] = {
  keepAliveMs: 500,
  recovery: { retries: 50, backoffMs: 300, maxBackoffMs: 300, jitter: 0 },
};
/** Per camera, the objects discovery must give (a protocol-2 simulated board takes settings). */
const CAMERA_OBJECTS = [
  ['camera', 'camera'],
  ['button', 'capture'],
  ['switch', 'led'],
  ['binary_sensor', 'connectivity'],
  ['sensor', 'health'],
  ['sensor', 'uptime'],
  ['sensor', 'boot_count'],
  ['sensor', 'reset_cause'],
  ['sensor', 'last_capture'],
  ['button', 'reboot'],
  ['select', 'frame_size'],
  ['number', 'quality'],
] as const;
const HOST_OBJECTS = [
  ['binary_sensor', 'bridge_connectivity'],
  ['sensor', 'bridge_uptime'],
] as const;

type Config = Record<string, unknown> & {
  unique_id: string;
  origin: { name: string; sw_version: string };
  device: { identifiers: string[]; name: string; model: string; sw_version?: string; via_device?: string };
  availability?: Array<{ topic: string; value_template: string }>;
  availability_mode?: string;
};

const topic = (host: string, camera: string, leaf: string): string => `esp32cam/${host}/${camera}/${leaf}`;
const configTopic = (component: string, node: string, object: string): string => `homeassistant/${component}/${node}/${object}/config`;
const allConfigTopics = (): string[] =>
  HOSTS.flatMap((host) => [
    ...HOST_OBJECTS.map(([c, o]) => configTopic(c, host, o)),
    ...CAMERAS.flatMap((cam) => CAMERA_OBJECTS.map(([c, o]) => configTopic(c, `${host}_${cam.name}`, o))),
  ]);
const parse = (m: Seen): Config => JSON.parse(m.payload.toString()) as Config;

describe('two hosts with two simulated cameras each, on one Mosquitto', () => {
  let broker: Broker;
  let watcher: Watcher;
  const hosts = new Map<string, RunningServer>();
  const dirs: string[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    // Subscribed before the hosts start, so it sees their first publications as they happen.
    watcher = await Watcher.connect(broker.url, ['esp32cam/#', 'homeassistant/#']);
    for (const hostId of HOSTS) {
      const dataDir = await mkdtemp(join(tmpdir(), `esp32cam-mqtt-${hostId}-`));
      dirs.push(dataDir);
      const srv = await startServer(
        { port: 0, host: '127.0.0.1', dataDir, cameras: CAMERAS, health: HEALTH, mqtt: { url: broker.url, hostId, healthIntervalS: 2 } },
        { log: () => undefined },
      );
      hosts.set(hostId, srv);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([...hosts.values()].map((h) => h.close()));
    await watcher?.close();
    await broker?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  /** Sends a command the way Home Assistant does and returns the camera's response to it. */
  async function command(host: string, camera: string, name: string, payload: string): Promise<Record<string, unknown> & { ok: boolean }> {
    const from = watcher.mark();
    await watcher.publish(topic(host, camera, `${name}/set`), payload);
    return watcher.nextJson(topic(host, camera, 'response'), (r) => r.command === name, `the response to ${name} "${payload}" on ${host}/${camera}`, { from });
  }

  async function pressCapture(host: string, camera: string): Promise<{ jpeg: Buffer; ms: number; response: Record<string, unknown> }> {
    const from = watcher.mark();
    const pressed = performance.now();
    await watcher.publish(topic(host, camera, 'capture/set'), 'PRESS');
    const image = await watcher.next((m) => m.topic === topic(host, camera, 'image') && m.payload.length > 0, `a photo on ${host}/${camera}/image`, { from });
    const ms = performance.now() - pressed;
    const response = await watcher.nextJson(topic(host, camera, 'response'), (r) => r.command === 'capture', 'the capture response', { from });
    return { jpeg: image.payload, ms, response };
  }

  it('discovers every entity of every camera and host, with unique ids and the fields each component requires', async () => {
    // The firmware comes with the board's first answer: wait for configs that carry it.
    for (const t of allConfigTopics()) {
      const ofCamera = t.split('/')[2].includes('_');
      await watcher.next((m) => m.topic === t && m.payload.length > 0 && (!ofCamera || !!parse(m).device.sw_version), `the config ${t}`);
    }
    const configs = new Map(allConfigTopics().map((t) => [t, watcher.json<Config>(t)!]));
    const ids = [...configs.values()].map((c) => c.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [t, c] of configs) {
      const [, component, node] = t.split('/');
      const host = node.split('_')[0];
      expect(c.origin, t).toMatchObject({ name: 'esp32cam-host', sw_version: expect.any(String) });
      expect(c.device.identifiers.length, t).toBeGreaterThan(0);
      expect(c.unique_id, t).toMatch(new RegExp(`^esp32cam_${host}_`));
      if (node === host) {
        expect(c.device).toMatchObject({ identifiers: [`esp32cam_${host}`], model: 'esp32cam-host' });
      } else {
        expect(c.device).toMatchObject({
          model: 'ESP32-CAM',
          via_device: `esp32cam_${host}`,
          sw_version: expect.stringMatching(/\S/),
          name: expect.any(String),
        });
        const camera = node.slice(host.length + 1);
        const bridge = { topic: `esp32cam/${host}/bridge/state`, value_template: '{{ value_json.state }}' };
        const own = { topic: topic(host, camera, 'availability'), value_template: '{{ value_json.state }}' };
        expect(c.availability_mode, t).toBe('all');
        expect(c.availability, t).toEqual(t.endsWith('/connectivity/config') ? [bridge] : [bridge, own]);
      }
      // What Home Assistant's MQTT integration requires of each component.
      switch (component) {
        case 'camera':
          expect(c.topic).toBe(topic(host, node.slice(host.length + 1), 'image'));
          break;
        case 'button':
          expect(c.command_topic).toMatch(/\/(capture|reboot)\/set$/);
          break;
        case 'switch':
          expect(c).toMatchObject({ command_topic: expect.stringMatching(/\/led\/set$/), state_topic: expect.stringMatching(/\/state$/), optimistic: false });
          break;
        case 'binary_sensor':
          expect(c).toMatchObject({ device_class: 'connectivity', state_topic: expect.stringMatching(/\/(availability|bridge\/state)$/) });
          break;
        case 'sensor':
          expect(c.state_topic).toMatch(/\/(state|bridge\/health)$/);
          break;
        case 'select':
          expect(c.options).toEqual(expect.arrayContaining(['QQVGA', 'QVGA', 'VGA', 'UXGA']));
          expect(c.command_topic).toMatch(/\/settings\/set$/);
          break;
        case 'number':
          expect(c).toMatchObject({ min: 10, max: 63, step: 1, command_topic: expect.stringMatching(/\/settings\/set$/) });
          break;
        default:
          throw new Error(`unexpected component ${component}`);
      }
    }
    // Every topic the configs read from is published, retained, on the broker.
    const late = await Watcher.connect(broker.url, []);
    try {
      const read = [
        ...new Set(
          [...configs.values()]
            .flatMap((c) => [c.state_topic, ...(c.availability ?? []).map((a) => a.topic)])
            .filter((x): x is string => typeof x === 'string'),
        ),
      ];
      await late.client.subscribeAsync(read, { qos: 1 });
      for (const t of read) await late.next((m) => m.topic === t && m.retain && m.payload.length > 0, `the retained ${t}`);
    } finally {
      await late.close();
    }
  }, 90_000);

  it("takes a photo when the capture button is pressed, and puts a valid JPEG on that camera's image topic", async () => {
    const { jpeg, ms, response } = await pressCapture('alpha', 'front');
    expect(() => checkJpeg(new Uint8Array(jpeg))).not.toThrow();
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(response).toMatchObject({ ok: true, photo: { bytes: jpeg.length, width: meta.width, height: meta.height } });
    // The photo is the one stored, and the other host's camera of the same name took none.
    const stored = hosts.get('alpha')!.services.cameras.store.list({ camera: 'front', limit: 1 }).items[0];
    expect(stored.sha256).toBe(createHash('sha256').update(jpeg).digest('hex'));
    expect(hosts.get('beta')!.services.cameras.store.count('front')).toBe(0);
    // The state says when and how large.
    await watcher.nextJson<{ lastCapture: { bytes: number } | null }>(
      topic('alpha', 'front', 'state'),
      (s) => s.lastCapture?.bytes === jpeg.length,
      'the state with the last capture',
    );
    console.info(`capture button → image on the topic: ${ms.toFixed(0)} ms (${jpeg.length} bytes)`);
  }, 60_000);

  it('switches the LED, and the switch state follows what the camera did', async () => {
    for (const wanted of ['ON', 'OFF', 'ON', 'OFF']) {
      const from = watcher.mark();
      const response = await command('beta', 'back', 'led', wanted);
      expect(response).toMatchObject({ ok: true, led: wanted });
      await watcher.nextJson<{ led: string }>(topic('beta', 'back', 'state'), (s) => s.led === wanted, `the LED state ${wanted}`, { from });
      expect(hosts.get('beta')!.services.cameras.get('back').status().led).toBe(wanted === 'ON');
    }
  }, 60_000);

  it('changes the settings through MQTT as the select and the number send them, and the next photo shows it', async () => {
    const before = await sharp((await pressCapture('beta', 'front')).jpeg).metadata();
    // The select's command_template and the number's, as Home Assistant renders them.
    const size = before.width === 160 ? 'QVGA' : 'QQVGA';
    const expected = size === 'QVGA' ? { width: 320, height: 240 } : { width: 160, height: 120 };
    const from = watcher.mark();
    expect(await command('beta', 'front', 'settings', `{"framesize": "${size}"}`)).toMatchObject({ ok: true, settings: { framesize: size } });
    expect(await command('beta', 'front', 'settings', '{"quality": 20}')).toMatchObject({ ok: true, settings: { framesize: size, quality: 20 } });
    await watcher.nextJson<{ settings: { framesize: string; quality: number } }>(
      topic('beta', 'front', 'state'),
      (s) => s.settings.framesize === size && s.settings.quality === 20,
      'the state with the new settings',
      { from },
    );
    const after = await sharp((await pressCapture('beta', 'front')).jpeg).metadata();
    expect({ width: after.width, height: after.height }).toEqual(expected);
  }, 90_000);

  it('answers malformed commands with an error on the response topic, and changes nothing', async () => {
    const srv = hosts.get('alpha')!;
    const camera = srv.services.cameras.get('back');
    const photos = srv.services.cameras.store.count('back');
    const led = camera.status().led;
    const settings = srv.services.settings.get('back');
    const bad: Array<[string, string, RegExp]> = [
      ['capture', '{not json', /not valid JSON/],
      ['capture', '{"flash": "sometimes"}', /flash/],
      ['led', 'MAYBE', /ON or OFF/],
      ['led', '', /ON or OFF/],
      ['settings', '{"framesize": "HUGE"}', /framesize/],
      ['settings', '{"quality": 99}', /quality must be an integer from 10 to 63/],
      ['settings', '{"bogus": 1}', /unknown setting bogus/],
      ['settings', '{}', /changes nothing/],
      ['settings', '[1, 2]', /not an object/],
      ['reboot', 'NOW PLEASE', /PRESS/],
      ['explode', 'PRESS', /not a command/],
    ];
    for (const [name, payload, why] of bad) {
      const response = await command('alpha', 'back', name, payload);
      expect(response, `${name} "${payload}"`).toMatchObject({
        ok: false,
        error: { code: 'E_BAD_INPUT', message: expect.stringMatching(why), hint: expect.any(String) },
      });
    }
    const unknown = await command('alpha', 'porch', 'capture', 'PRESS');
    expect(unknown).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND', hint: expect.stringContaining('front, back') } });
    expect(srv.services.cameras.store.count('back')).toBe(photos);
    expect(camera.status().led).toBe(led);
    expect(srv.services.settings.get('back')).toEqual(settings);
  }, 60_000);

  it('publishes every discovery config again when Home Assistant announces itself on homeassistant/status', async () => {
    const from = watcher.mark();
    await watcher.publish('homeassistant/status', 'online');
    for (const t of allConfigTopics()) await watcher.next((m) => m.topic === t && m.payload.length > 0, `${t} again after the birth message`, { from });
    // And the states with them, so entities have a value at once.
    for (const host of HOSTS)
      for (const cam of CAMERAS) await watcher.next((m) => m.topic === topic(host, cam.name, 'state'), `${host}/${cam.name}/state again`, { from });
  }, 60_000);

  it('puts live-stream frames, which are never stored, on the image topic', async () => {
    const srv = hosts.get('alpha')!;
    const frames = new Set<string>();
    const stream = srv.services.streams.of('back');
    const onFrame = (f: { jpeg: Buffer }): void => void frames.add(createHash('sha256').update(f.jpeg).digest('hex'));
    stream.on('frame', onFrame);
    const stored = srv.services.cameras.store.count('back');
    const from = watcher.mark();
    const viewer = new AbortController();
    const res = await fetch(`${srv.url}/stream?camera=back`, { signal: viewer.signal });
    const drain = res.body!.pipeTo(new WritableStream()).catch(() => undefined);
    try {
      const image = await watcher.next((m) => m.topic === topic('alpha', 'back', 'image') && m.payload.length > 0, 'a stream frame on the image topic', {
        from,
      });
      expect(frames.has(createHash('sha256').update(image.payload).digest('hex'))).toBe(true);
    } finally {
      viewer.abort();
      await drain;
      stream.off('frame', onFrame);
    }
    expect(srv.services.cameras.store.count('back')).toBe(stored);
  }, 60_000);

  it('resets a board with the reboot button, through its serial port, and says how', async () => {
    const from = watcher.mark();
    const response = await command('alpha', 'back', 'reboot', 'PRESS');
    expect(response).toMatchObject({ ok: true, how: expect.stringContaining('sim:back') });
    await watcher.nextJson(topic('alpha', 'back', 'events'), (e) => e.type === 'reboot', 'the reboot event', { from, ms: 60_000 });
    await watcher.nextJson<{ state: string }>(topic('alpha', 'back', 'state'), (s) => s.state === 'online', 'the camera online after the reboot', {
      from,
      ms: 60_000,
    });
  }, 90_000);

  it('shows the connection in /api/status and /metrics', async () => {
    for (const [hostId, srv] of hosts) {
      const status = (await (await fetch(`${srv.url}/api/status`)).json()) as { mqtt: Record<string, unknown> };
      expect(status.mqtt).toMatchObject({ enabled: true, state: 'connected', hostId, broker: broker.url, baseTopic: 'esp32cam', lastError: null });
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toMatch(/^esp32cam_mqtt_connected 1$/m);
      expect(metrics).toMatch(/^esp32cam_mqtt_connections_total 1$/m);
    }
  });

  it('marks a hung camera offline on its availability topic and online again when it answers, while the others stay online', async () => {
    const srv = hosts.get('beta')!;
    const from = watcher.mark();
    const res = await fetch(`${srv.url}/api/cameras/back/sim-fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: srv.url },
      body: JSON.stringify({ kind: 'hang', seconds: 15 }),
    });
    expect(res.status).toBe(200);
    const availability = topic('beta', 'back', 'availability');
    const offline = await watcher.next((m) => m.topic === availability && JSON.parse(m.payload.toString()).state === 'offline', 'beta/back offline', {
      from,
      ms: 60_000,
    });
    await watcher.nextJson(topic('beta', 'back', 'events'), (e) => e.type === 'state' && e.to === 'offline', 'the offline event', { from });
    await watcher.next(
      (m) => m.topic === availability && m.seq > offline.seq && JSON.parse(m.payload.toString()).state === 'online',
      'beta/back online again',
      { from, ms: 60_000 },
    );
    // Nobody else went offline meanwhile.
    const others = watcher.seen.slice(from).filter((m) => m.topic.endsWith('/availability') && m.topic !== availability);
    expect(others.filter((m) => JSON.parse(m.payload.toString()).state !== 'online')).toEqual([]);
  }, 120_000);

  it('publishes every retained topic and discovery config again after the broker restarts empty', async () => {
    await broker.stop();
    await broker.start();
    // The hosts reconnect by themselves (with backoff); a client arriving afterwards finds everything retained again.
    for (const srv of hosts.values()) {
      await expect.poll(() => srv.services.mqtt.status(), { timeout: 60_000, interval: 200 }).toMatchObject({ state: 'connected', connections: 2 });
    }
    const fresh = await Watcher.connect(broker.url, ['esp32cam/#', 'homeassistant/#']);
    try {
      const expected = [
        ...allConfigTopics(),
        ...HOSTS.flatMap((h) => [`esp32cam/${h}/bridge/state`, `esp32cam/${h}/bridge/health`]),
        ...HOSTS.flatMap((h) => CAMERAS.flatMap((c) => [topic(h, c.name, 'availability'), topic(h, c.name, 'state')])),
        // Cameras that took photos get their newest one back on the image topic.
        topic('alpha', 'front', 'image'),
        topic('beta', 'front', 'image'),
      ];
      for (const t of expected) await fresh.next((m) => m.topic === t && m.payload.length > 0, `${t} on the restarted broker`, { ms: 30_000 });
      expect(fresh.json(`esp32cam/alpha/bridge/state`)).toEqual({ state: 'online' });
      const image = fresh.last(topic('alpha', 'front', 'image'))!;
      expect((await sharp(image.payload).metadata()).format).toBe('jpeg');
    } finally {
      await fresh.close();
    }
  }, 120_000);
});

import { performance } from 'node:perf_hooks';
import { v2 } from '../../../../protocol/src/index.js';
import { logger } from '../../log/index.js';
import type { CameraEvents, Cameras, CaptureService } from '../cameras/index.js';
import { errorPayload } from '../error-payload.js';
import type { HealthEvent } from '../health/camera-health.js';
import type { HealthMonitors } from '../health/health-monitors.js';
import type { PhotoRecord } from '../photo-record.js';
import type { CameraSettingsService, CameraSettingsView } from '../settings/index.js';
import type { Streams } from '../stream/index.js';
import type { RebootBoard } from './board-reboot.js';
import { parseCommand, type CameraCommand } from './commands.js';
import type { MqttConnection } from './connection.js';
import { cameraDiscovery, cameraDiscoveryTopics, hostDiscovery, type HostInfo } from './discovery.js';
import { ImagePublisher } from './image-publisher.js';
import {
  availabilityOf,
  availabilityPayload,
  bridgeHealth,
  cameraState,
  captureEventPayload,
  healthEventPayload,
  settingsOf,
  type CameraCounters,
  type LastCapture,
} from './payloads.js';
import type { PublishedRecord } from './published-record.js';
import { RetainedState } from './retained-state.js';
import { bridgeHealthTopic, bridgeStateTopic, cameraTopic, commandFilter, homeAssistantStatusTopic, parseCommandTopic, type TopicRoots } from './topics.js';

const log = logger('mqtt');

export interface BridgeOptions {
  roots: TopicRoots;
  connection: MqttConnection;
  record: PublishedRecord;
  cameras: Cameras;
  health: HealthMonitors;
  settings: CameraSettingsService;
  streams: Streams;
  reboot: RebootBoard;
  version: string;
  supportUrl?: string;
  /** Stream and timelapse photos go to the image topic at most this often per camera. */
  imageIntervalMs: number;
  imageMaxBytes: number;
  /** `bridge/health` is published this often. */
  healthIntervalMs: number;
  /** One camera's state is published at most this often (a stream changes it with every frame). */
  stateIntervalMs?: number;
}

const RETAINED = { qos: 1, retain: true } as const;
const ONLINE = availabilityPayload('online');
const OFFLINE = availabilityPayload('offline');

/**
 * Wires the cameras, their health and settings to the topic tree, and the command topics back to them.
 * Everything it publishes goes through the retained state first, so a broker that comes back (or restarted
 * empty) gets all of it again; nothing on a capture's path waits for the broker.
 */
export class MqttBridge {
  private readonly retained = new RetainedState();
  private readonly images: ImagePublisher;
  private readonly lastCapture = new Map<string, LastCapture>();
  private readonly counters = new Map<string, { captures: number; captureErrors: number }>();
  private readonly stateSlots = new Map<string, { lastAt: number; timer: NodeJS.Timeout | undefined }>();
  private readonly discoveryShape = new Map<string, string>();
  private readonly cleanups: Array<() => void> = [];
  private readonly host: HostInfo;
  private healthTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: BridgeOptions) {
    this.host = { roots: opts.roots, version: opts.version, ...(opts.supportUrl ? { supportUrl: opts.supportUrl } : {}) };
    this.images = new ImagePublisher({
      intervalMs: opts.imageIntervalMs,
      maxBytes: opts.imageMaxBytes,
      send: (camera, jpeg, done) => opts.connection.publish(this.topic(camera, 'image'), jpeg, RETAINED, () => done()) && this.noteImage(camera),
    });
  }

  /** Builds the retained state, follows the services, and starts connecting (in the background). */
  start(): void {
    const { cameras, connection } = this.opts;
    for (const camera of cameras.list()) {
      this.counters.set(camera.name, { captures: 0, captureErrors: 0 });
      const newest = cameras.store.list({ camera: camera.name, limit: 1 }).items[0];
      if (newest) this.lastCapture.set(camera.name, { at: newest.takenAt, bytes: newest.size, captureMs: Math.round(newest.captureMs) });
    }
    // Configs before the states they describe, so that Home Assistant has the entity when its state arrives.
    for (const m of hostDiscovery(this.host)) this.put(m.topic, JSON.stringify(m.payload));
    for (const camera of cameras.list()) this.refreshDiscovery(camera.name);
    this.put(bridgeStateTopic(this.opts.roots), ONLINE);
    for (const camera of cameras.list()) {
      this.refreshAvailability(camera.name);
      this.publishState(camera.name);
    }
    this.publishHealth();
    this.follow();
    connection.on('connected', this.onConnected);
    connection.on('message', this.onMessage);
    this.cleanups.push(() => {
      connection.off('connected', this.onConnected);
      connection.off('message', this.onMessage);
    });
    this.healthTimer = setInterval(() => this.publishHealth(), this.opts.healthIntervalMs);
    this.healthTimer.unref();
    connection.start();
  }

  /** How many retained topics the bridge holds for the broker. */
  get retainedTopics(): number {
    return this.retained.size;
  }

  get imagesTooLarge(): number {
    return this.images.tooLarge;
  }

  /** Says goodbye on `bridge/state` (a clean disconnect fires no last will) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    for (const slot of this.stateSlots.values()) clearTimeout(slot.timer);
    for (const off of this.cleanups.splice(0)) off();
    this.images.close();
    await this.opts.connection.close({ topic: bridgeStateTopic(this.opts.roots), payload: OFFLINE, opts: RETAINED });
    await this.opts.record.flush();
  }

  // ---- the services → topics ----------------------------------------------------------------------

  private follow(): void {
    const { cameras, health, settings, streams } = this.opts;
    const listen = <A extends unknown[]>(
      emitter: { on(e: string, l: (...a: A) => void): unknown; off(e: string, l: (...a: A) => void): unknown },
      event: string,
      listener: (...a: A) => void,
    ): void => {
      emitter.on(event, listener);
      this.cleanups.push(() => emitter.off(event, listener));
    };
    listen(cameras, 'status', (s: CameraEvents['status'][0]) => {
      this.refreshDiscovery(s.name);
      this.scheduleState(s.name);
    });
    listen(cameras, 'photo:new', (record: PhotoRecord) => this.photoTaken(record));
    for (const camera of cameras.list()) {
      listen(camera, 'capture:done', (e: CameraEvents['capture:done'][0]) => this.captureDone(camera, e));
      listen(camera, 'capture:error', (e: CameraEvents['capture:error'][0]) => {
        this.counter(e.camera).captureErrors++;
        this.publishEvent(e.camera, { type: 'capture-error', at: new Date().toISOString(), code: e.code, message: e.message, hint: e.hint });
      });
      // Live-stream frames are never stored: the image topic gets one now and then, straight from the frame.
      listen(streams.of(camera), 'frame', (frame: { jpeg: Buffer }) => {
        if (this.opts.connection.connected) this.images.offer(camera.name, frame.jpeg, true);
      });
    }
    listen(health, 'event', (e: HealthEvent & { camera: string }) => {
      const { camera, ...event } = e;
      this.publishEvent(camera, healthEventPayload(event));
      if (e.type === 'state') this.refreshAvailability(camera);
      this.scheduleState(camera);
    });
    listen(settings, 'change', (view: CameraSettingsView) => {
      this.refreshDiscovery(view.camera);
      this.scheduleState(view.camera);
    });
  }

  private captureDone(camera: CaptureService, e: CameraEvents['capture:done'][0]): void {
    this.counter(e.camera).captures++;
    const at = camera.status().lastCaptureAt ?? new Date().toISOString();
    this.lastCapture.set(e.camera, { at, bytes: e.bytes, captureMs: Math.round(e.captureMs) });
    this.scheduleState(e.camera);
  }

  private photoTaken(record: PhotoRecord): void {
    this.publishEvent(record.camera, captureEventPayload(record));
    if (!this.opts.connection.connected) return;
    // Read back from disk off the capture's path; a photo that went meanwhile (retention) is simply skipped.
    this.opts.cameras.store.readJpeg(record.id).then(
      (jpeg) => this.images.offer(record.camera, jpeg, record.schedule !== undefined),
      (err: unknown) => log.debug(`photo ${record.id} could not be read for the image topic: ${(err as Error).message}`),
    );
  }

  private refreshAvailability(camera: string): void {
    const state = this.opts.health.get(camera).health.state;
    this.put(this.topic(camera, 'availability'), availabilityPayload(availabilityOf(state)));
  }

  /** Discovery configs change with what the camera is known to be (its firmware, whether it takes settings). */
  private refreshDiscovery(name: string): void {
    if (this.closed) return;
    const status = this.opts.cameras.get(name).status();
    const view = this.opts.settings.get(name);
    const supportsSettings = view.supported ?? status.protocol === 'v2';
    const shape = `${status.firmware ?? ''}|${supportsSettings}`;
    if (this.discoveryShape.get(name) === shape) return;
    this.discoveryShape.set(name, shape);
    const messages = cameraDiscovery(this.host, { name, firmware: status.firmware, settings: supportsSettings }, v2.FRAME_SIZES);
    const now = new Set(messages.map((m) => m.topic));
    for (const m of messages) this.put(m.topic, JSON.stringify(m.payload));
    for (const topic of cameraDiscoveryTopics(this.opts.roots, name)) if (!now.has(topic)) this.drop(topic);
  }

  /** At most one state publish per camera per stateIntervalMs; the last change always goes out. */
  private scheduleState(camera: string): void {
    if (this.closed) return;
    const interval = this.opts.stateIntervalMs ?? 1000;
    let slot = this.stateSlots.get(camera);
    if (!slot) {
      slot = { lastAt: -Infinity, timer: undefined };
      this.stateSlots.set(camera, slot);
    }
    if (slot.timer) return;
    const s = slot;
    s.timer = setTimeout(
      () => {
        s.timer = undefined;
        s.lastAt = performance.now();
        this.publishState(camera);
      },
      Math.max(0, s.lastAt + interval - performance.now()),
    );
    s.timer.unref();
  }

  private publishState(camera: string): void {
    if (this.closed) return;
    const { cameras, health, settings } = this.opts;
    const payload = cameraState({
      status: cameras.get(camera).status(),
      health: health.get(camera).report(),
      settings: settings.get(camera),
      lastCapture: this.lastCapture.get(camera) ?? null,
    });
    this.put(this.topic(camera, 'state'), JSON.stringify(payload));
  }

  private publishHealth(): void {
    if (this.closed) return;
    const { cameras, health } = this.opts;
    const counters: Record<string, CameraCounters> = {};
    for (const camera of cameras.list()) {
      const report = health.get(camera.name).report();
      const own = this.counter(camera.name);
      counters[camera.name] = {
        state: report.state,
        captures: own.captures,
        captureErrors: own.captureErrors,
        photos: cameras.store.count(camera.name),
        reboots: Object.values(report.counters.reboots).reduce((a, b) => a + b, 0),
        resetsLastHour: report.counters.resetsLastHour,
      };
    }
    const payload = bridgeHealth({ version: this.opts.version, uptimeS: Math.round(process.uptime()), memory: process.memoryUsage(), cameras: counters });
    this.put(bridgeHealthTopic(this.opts.roots), JSON.stringify(payload));
  }

  private publishEvent(camera: string, payload: Record<string, unknown>): void {
    this.opts.connection.publish(this.topic(camera, 'events'), JSON.stringify(payload), { qos: 0, retain: false });
  }

  // ---- the broker → commands ------------------------------------------------------------------------

  private readonly onConnected = (): void => {
    const { connection, record, roots } = this.opts;
    connection.subscribe([commandFilter(roots), homeAssistantStatusTopic(roots)]);
    // Topics published by an earlier run that the config no longer names (a removed camera, another host id).
    const images = new Set(this.opts.cameras.names().map((name) => this.topic(name, 'image')));
    for (const topic of record.list()) {
      if (this.retained.has(topic) || images.has(topic)) continue;
      if (connection.publish(topic, '', RETAINED)) record.remove(topic);
    }
    this.republish();
    this.republishImages();
  };

  private readonly onMessage = (topic: string, payload: Buffer, retained: boolean): void => {
    const { roots } = this.opts;
    if (topic === homeAssistantStatusTopic(roots)) {
      // A retained birth is an old one: everything was published on connecting already.
      if (!retained && payload.toString('utf8').trim() === 'online') {
        log.info('Home Assistant announced itself: publishing discovery and state again');
        this.republish();
      }
      return;
    }
    const target = parseCommandTopic(roots, topic);
    if (!target) return;
    void this.command(target.camera, target.command, payload);
  };

  /** Every retained topic the bridge holds, in the order first set (configs first). */
  private republish(): void {
    for (const [topic, payload] of this.retained.entries()) this.send(topic, payload);
  }

  /** The image topics from each camera's newest stored photo, read from disk now: no photo is kept while the broker is away. */
  private republishImages(): void {
    const { store } = this.opts.cameras;
    for (const name of this.opts.cameras.names()) {
      const newest = store.list({ camera: name, limit: 1 }).items[0];
      if (!newest) continue;
      store.readJpeg(newest.id).then(
        (jpeg) => this.images.offer(name, jpeg, false),
        () => undefined,
      );
    }
  }

  private async command(camera: string, command: string, payload: Buffer): Promise<void> {
    if (this.closed) return;
    if (!this.opts.cameras.names().includes(camera)) {
      this.respond(camera, command, undefined, {
        ok: false,
        error: {
          code: 'E_NOT_FOUND',
          message: `There is no camera "${camera}" on host ${this.opts.roots.hostId}`,
          hint: `The cameras are ${this.opts.cameras.names().join(', ')}.`,
        },
      });
      return;
    }
    const parsed = parseCommand(command, payload);
    if (!parsed.ok) {
      log.info(`camera "${camera}": refused a malformed ${command} command: ${parsed.error.message}`);
      this.respond(camera, command, undefined, { ok: false, error: errorPayload(parsed.error) });
      return;
    }
    const id = 'id' in parsed.command ? parsed.command.id : undefined;
    try {
      const result = await this.run(camera, parsed.command);
      this.respond(camera, command, id, { ok: true, ...result });
    } catch (err) {
      this.respond(camera, command, id, { ok: false, error: errorPayload(err) });
    }
  }

  private async run(name: string, command: CameraCommand): Promise<Record<string, unknown>> {
    const camera = this.opts.cameras.get(name);
    switch (command.kind) {
      case 'capture': {
        const photo = await camera.capture(command.request);
        return { photo: { id: photo.id, takenAt: photo.takenAt, bytes: photo.size, width: photo.width, height: photo.height } };
      }
      case 'led':
        return { led: (await camera.setLed(command.on)) ? 'ON' : 'OFF' };
      case 'settings': {
        const { settings } = this.opts;
        let view = Object.keys(command.change).length > 0 ? await settings.set(name, command.change) : settings.get(name);
        if (command.flash !== undefined) view = settings.setFlash(name, command.flash);
        return { settings: settingsOf(view), flash: view.flash };
      }
      case 'reboot':
        return await this.opts.reboot(name);
    }
  }

  private respond(camera: string, command: string, id: string | undefined, body: Record<string, unknown>): void {
    const payload = { command, ...(id !== undefined ? { id } : {}), at: new Date().toISOString(), ...body };
    this.opts.connection.publish(this.topic(camera, 'response'), JSON.stringify(payload), { qos: 1, retain: false });
  }

  // ---- the retained state -----------------------------------------------------------------------------

  private put(topic: string, payload: string): void {
    if (this.retained.set(topic, payload)) this.send(topic, this.retained.get(topic)!);
  }

  /** A retained topic that no longer exists: emptied now if connected, else at the next connection (it stays in the record). */
  private drop(topic: string): void {
    if (!this.retained.delete(topic)) return;
    if (this.opts.connection.publish(topic, '', RETAINED)) this.opts.record.remove(topic);
  }

  private send(topic: string, payload: Buffer): void {
    if (this.opts.connection.publish(topic, payload, RETAINED)) this.opts.record.add(topic);
  }

  private noteImage(camera: string): true {
    this.opts.record.add(this.topic(camera, 'image'));
    return true;
  }

  private topic(camera: string, leaf: string): string {
    return cameraTopic(this.opts.roots, camera, leaf);
  }

  private counter(camera: string): { captures: number; captureErrors: number } {
    let c = this.counters.get(camera);
    if (!c) {
      c = { captures: 0, captureErrors: 0 };
      this.counters.set(camera, c);
    }
    return c;
  }
}

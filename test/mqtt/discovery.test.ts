/**
 * Discovery payloads are pure functions: checked here field by field against what Home Assistant's MQTT
 * integration requires of each component, for two hosts with two cameras each.
 */
import { describe, expect, it } from 'vitest';
import { v2 } from '../../protocol/src/index.js';
import {
  cameraDiscovery,
  cameraDiscoveryTopics,
  hostDiscovery,
  hostIdFromHostname,
  parseCommandTopic,
  topicLevelsProblem,
  type DiscoveryMessage,
  type HostInfo,
} from '../../host/src/services/mqtt/index.js';

const host = (hostId: string): HostInfo => ({ roots: { baseTopic: 'esp32cam', discoveryPrefix: 'homeassistant', hostId }, version: '1.2.3' });
const fleet = (): DiscoveryMessage[] =>
  ['pi-1', 'pi-2'].flatMap((id) => [
    ...hostDiscovery(host(id)),
    ...['front', 'back'].flatMap((name) => cameraDiscovery(host(id), { name, firmware: 'esp32cam-slave/2.1', settings: true }, v2.FRAME_SIZES)),
  ]);

/** The options each component cannot do without (Home Assistant's docs for camera, button, switch, binary_sensor, sensor, select, number). */
const REQUIRED: Record<string, string[]> = {
  camera: ['topic'],
  button: ['command_topic'],
  switch: ['command_topic'],
  binary_sensor: ['state_topic'],
  sensor: ['state_topic'],
  select: ['command_topic', 'options'],
  number: ['command_topic'],
};

describe('Home Assistant discovery payloads', () => {
  it('gives each camera its entities on <prefix>/<component>/<hostId>_<camera>/<object>/config', () => {
    const messages = cameraDiscovery(host('pi-1'), { name: 'front', firmware: 'fw', settings: true }, v2.FRAME_SIZES);
    expect(messages.map((m) => m.topic)).toEqual([
      'homeassistant/camera/pi-1_front/camera/config',
      'homeassistant/button/pi-1_front/capture/config',
      'homeassistant/switch/pi-1_front/led/config',
      'homeassistant/binary_sensor/pi-1_front/connectivity/config',
      'homeassistant/sensor/pi-1_front/health/config',
      'homeassistant/sensor/pi-1_front/uptime/config',
      'homeassistant/sensor/pi-1_front/boot_count/config',
      'homeassistant/sensor/pi-1_front/reset_cause/config',
      'homeassistant/sensor/pi-1_front/last_capture/config',
      'homeassistant/button/pi-1_front/reboot/config',
      'homeassistant/select/pi-1_front/frame_size/config',
      'homeassistant/number/pi-1_front/quality/config',
    ]);
    expect(cameraDiscoveryTopics(host('pi-1').roots, 'front').sort()).toEqual(messages.map((m) => m.topic).sort());
  });

  it('leaves out the frame-size select and the quality number for a camera without settings', () => {
    const objects = cameraDiscovery(host('pi-1'), { name: 'front', firmware: null, settings: false }, v2.FRAME_SIZES).map((m) => m.objectId);
    expect(objects).not.toContain('frame_size');
    expect(objects).not.toContain('quality');
    expect(objects).toHaveLength(10);
  });

  it('has unique ids that do not collide across cameras and hosts', () => {
    const messages = fleet();
    const ids = messages.map((m) => m.payload.unique_id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(messages.map((m) => m.topic)).size).toBe(messages.length);
    expect(ids).toContain('esp32cam_pi-1_front_capture');
    expect(ids).toContain('esp32cam_pi-2_back_capture');
  });

  it("holds each component's required options, an origin and a device", () => {
    for (const m of fleet()) {
      for (const key of REQUIRED[m.component]) expect(m.payload[key], `${m.topic} ${key}`).toBeDefined();
      expect(m.payload.origin, m.topic).toEqual({ name: 'esp32cam-host', sw_version: '1.2.3' });
      expect((m.payload.device as { identifiers: string[] }).identifiers.length).toBe(1);
      // The discovery topic's node and object use only the characters Home Assistant allows there.
      expect(m.topic).toMatch(/^homeassistant\/[a-z_]+\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
    }
  });

  it('puts every camera entity behind the bridge and the camera availability with mode all; connectivity behind the bridge only', () => {
    for (const m of cameraDiscovery(host('pi-2'), { name: 'back', firmware: 'fw', settings: true }, v2.FRAME_SIZES)) {
      const bridge = { topic: 'esp32cam/pi-2/bridge/state', value_template: '{{ value_json.state }}' };
      const camera = { topic: 'esp32cam/pi-2/back/availability', value_template: '{{ value_json.state }}' };
      expect(m.payload.availability_mode, m.topic).toBe('all');
      expect(m.payload.availability, m.topic).toEqual(m.objectId === 'connectivity' ? [bridge] : [bridge, camera]);
    }
  });

  it('makes one device per camera, model ESP32-CAM with its firmware, via the host device', () => {
    const [camera] = cameraDiscovery(host('pi-1'), { name: 'front', firmware: 'esp32cam-slave/2.1', settings: false }, v2.FRAME_SIZES);
    expect(camera.payload.device).toEqual({
      identifiers: ['esp32cam_pi-1_front'],
      name: 'front (pi-1)',
      model: 'ESP32-CAM',
      sw_version: 'esp32cam-slave/2.1',
      via_device: 'esp32cam_pi-1',
    });
    // Until the board answered, the firmware is unknown and left out rather than made up.
    const [early] = cameraDiscovery(host('pi-1'), { name: 'front', firmware: null, settings: false }, v2.FRAME_SIZES);
    expect(early.payload.device).not.toHaveProperty('sw_version');
    const hostDevice = hostDiscovery(host('pi-1'))[0].payload.device;
    expect(hostDevice).toEqual({ identifiers: ['esp32cam_pi-1'], name: 'esp32cam-host pi-1', model: 'esp32cam-host', sw_version: '1.2.3' });
  });

  it('wires each entity to its topics in the tree', () => {
    const by = new Map(cameraDiscovery(host('pi-1'), { name: 'front', firmware: 'fw', settings: true }, v2.FRAME_SIZES).map((m) => [m.objectId, m.payload]));
    expect(by.get('camera')).toMatchObject({ topic: 'esp32cam/pi-1/front/image', name: null });
    expect(by.get('capture')).toMatchObject({ command_topic: 'esp32cam/pi-1/front/capture/set', payload_press: 'PRESS' });
    expect(by.get('reboot')).toMatchObject({ command_topic: 'esp32cam/pi-1/front/reboot/set', device_class: 'restart' });
    expect(by.get('led')).toMatchObject({
      command_topic: 'esp32cam/pi-1/front/led/set',
      state_topic: 'esp32cam/pi-1/front/state',
      value_template: '{{ value_json.led }}',
      payload_on: 'ON',
      payload_off: 'OFF',
      optimistic: false,
    });
    expect(by.get('connectivity')).toMatchObject({ device_class: 'connectivity', state_topic: 'esp32cam/pi-1/front/availability' });
    expect(by.get('frame_size')).toMatchObject({
      options: v2.FRAME_SIZES.map((f) => f.name),
      command_topic: 'esp32cam/pi-1/front/settings/set',
      command_template: '{"framesize": "{{ value }}"}',
    });
    expect(by.get('quality')).toMatchObject({ min: 10, max: 63, step: 1, command_template: '{"quality": {{ value | int }}}' });
    for (const id of ['health', 'uptime', 'boot_count', 'reset_cause', 'last_capture']) {
      expect(by.get(id)).toMatchObject({ state_topic: 'esp32cam/pi-1/front/state', entity_category: 'diagnostic' });
    }
  });

  it('gives the host its own connectivity and uptime, the connectivity without availability of its own', () => {
    const [connectivity, uptime] = hostDiscovery(host('pi-1'));
    expect(connectivity.topic).toBe('homeassistant/binary_sensor/pi-1/bridge_connectivity/config');
    expect(connectivity.payload).toMatchObject({ device_class: 'connectivity', state_topic: 'esp32cam/pi-1/bridge/state' });
    expect(connectivity.payload).not.toHaveProperty('availability');
    expect(uptime.payload).toMatchObject({ state_topic: 'esp32cam/pi-1/bridge/health', availability_mode: 'all', unit_of_measurement: 's' });
  });
});

describe('topics', () => {
  const roots = { baseTopic: 'home/cams', discoveryPrefix: 'homeassistant', hostId: 'pi-1' };

  it('reads a command topic of this host only', () => {
    expect(parseCommandTopic(roots, 'home/cams/pi-1/front/capture/set')).toEqual({ camera: 'front', command: 'capture' });
    expect(parseCommandTopic(roots, 'home/cams/pi-2/front/capture/set')).toBeUndefined();
    expect(parseCommandTopic(roots, 'home/cams/pi-1/front/capture')).toBeUndefined();
    expect(parseCommandTopic(roots, 'home/cams/pi-1/front/capture/set/more')).toBeUndefined();
  });

  it('makes a host id from a host name', () => {
    expect(hostIdFromHostname('RaspberryPi.local')).toBe('raspberrypi');
    expect(hostIdFromHostname('pi_garage 2')).toBe('pi-garage-2');
    expect(hostIdFromHostname('---')).toBe('esp32cam');
  });

  it('refuses topic prefixes with wildcards or empty levels', () => {
    expect(topicLevelsProblem('esp32cam')).toBeUndefined();
    expect(topicLevelsProblem('a/+/b')).toMatch(/wildcards/);
    expect(topicLevelsProblem('a//b')).toMatch(/empty level/);
  });
});

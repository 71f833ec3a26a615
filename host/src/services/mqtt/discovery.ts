/**
 * Home Assistant MQTT discovery: the retained config of every entity, as pure functions of what the host
 * knows, so the payloads can be checked field by field without a broker. Field names and the topic layout
 * follow Home Assistant's MQTT documentation (README "Home Assistant and MQTT" cites each page).
 */
import { bridgeHealthTopic, bridgeStateTopic, cameraNodeId, cameraTopic, discoveryTopic, type Component, type TopicRoots } from './topics.js';

/** One retained discovery config. */
export interface DiscoveryMessage {
  topic: string;
  component: Component;
  objectId: string;
  payload: Record<string, unknown>;
}

/** The application that publishes the configs (HA logs it with each discovered item). */
export interface Origin {
  name: string;
  sw_version: string;
  support_url?: string;
}

export interface HostInfo {
  roots: TopicRoots;
  /** esp32cam-host's version. */
  version: string;
  /** Where the project's documentation is, when package.json says. */
  supportUrl?: string;
}

export interface CameraInfo {
  name: string;
  /** The slave script's version as the board reported it; null until it answered. */
  firmware: string | null;
  /** Whether the camera takes settings (protocol 2 with SETTINGS): adds the frame-size select and the quality number. */
  settings: boolean;
}

/** Frame sizes the select offers: esp32-camera's framesize_t names, smallest first. */
export interface FrameSizeOption {
  name: string;
}

/** The availability payloads carry `{"state": ...}`; HA compares what the template gives with online/offline. */
const STATE_TEMPLATE = '{{ value_json.state }}';

/** The camera objects that exist whatever the camera supports, and those only a camera with settings has. */
export const CAMERA_OBJECTS: ReadonlyArray<{ component: Component; objectId: string }> = [
  { component: 'camera', objectId: 'camera' },
  { component: 'button', objectId: 'capture' },
  { component: 'switch', objectId: 'led' },
  { component: 'binary_sensor', objectId: 'connectivity' },
  { component: 'sensor', objectId: 'health' },
  { component: 'sensor', objectId: 'uptime' },
  { component: 'sensor', objectId: 'boot_count' },
  { component: 'sensor', objectId: 'reset_cause' },
  { component: 'sensor', objectId: 'last_capture' },
  { component: 'button', objectId: 'reboot' },
];
export const SETTINGS_OBJECTS: ReadonlyArray<{ component: Component; objectId: string }> = [
  { component: 'select', objectId: 'frame_size' },
  { component: 'number', objectId: 'quality' },
];
export const HOST_OBJECTS: ReadonlyArray<{ component: Component; objectId: string }> = [
  { component: 'binary_sensor', objectId: 'bridge_connectivity' },
  { component: 'sensor', objectId: 'bridge_uptime' },
];

export const hostDeviceId = (roots: TopicRoots): string => `esp32cam_${roots.hostId}`;
export const cameraDeviceId = (roots: TopicRoots, camera: string): string => `esp32cam_${roots.hostId}_${camera}`;

export function origin(host: HostInfo): Origin {
  const o: Origin = { name: 'esp32cam-host', sw_version: host.version };
  if (host.supportUrl) o.support_url = host.supportUrl;
  return o;
}

function hostDevice(host: HostInfo): Record<string, unknown> {
  return {
    identifiers: [hostDeviceId(host.roots)],
    name: `esp32cam-host ${host.roots.hostId}`,
    model: 'esp32cam-host',
    sw_version: host.version,
  };
}

function cameraDevice(host: HostInfo, camera: CameraInfo): Record<string, unknown> {
  const device: Record<string, unknown> = {
    identifiers: [cameraDeviceId(host.roots, camera.name)],
    name: `${camera.name} (${host.roots.hostId})`,
    model: 'ESP32-CAM',
    via_device: hostDeviceId(host.roots),
  };
  if (camera.firmware) device.sw_version = camera.firmware;
  return device;
}

/** The host's own entities: its connectivity (the bridge state itself) and its uptime. */
export function hostDiscovery(host: HostInfo): DiscoveryMessage[] {
  const { roots } = host;
  const common = { origin: origin(host), device: hostDevice(host) };
  const bridge = bridgeStateTopic(roots);
  const messages: DiscoveryMessage[] = [
    {
      component: 'binary_sensor',
      objectId: 'bridge_connectivity',
      topic: discoveryTopic(roots, 'binary_sensor', roots.hostId, 'bridge_connectivity'),
      // No availability of its own: it shows the bridge's state, so "off" must be visible rather than unavailable.
      payload: {
        ...common,
        name: 'Connectivity',
        unique_id: `${hostDeviceId(roots)}_bridge_connectivity`,
        device_class: 'connectivity',
        entity_category: 'diagnostic',
        state_topic: bridge,
        value_template: "{{ 'ON' if value_json.state == 'online' else 'OFF' }}",
      },
    },
    {
      component: 'sensor',
      objectId: 'bridge_uptime',
      topic: discoveryTopic(roots, 'sensor', roots.hostId, 'bridge_uptime'),
      payload: {
        ...common,
        name: 'Uptime',
        unique_id: `${hostDeviceId(roots)}_bridge_uptime`,
        availability: [{ topic: bridge, value_template: STATE_TEMPLATE }],
        availability_mode: 'all',
        device_class: 'duration',
        unit_of_measurement: 's',
        entity_category: 'diagnostic',
        state_topic: bridgeHealthTopic(roots),
        value_template: '{{ value_json.uptimeS }}',
      },
    },
  ];
  return messages;
}

/**
 * A camera's entities. Every one but the connectivity sensor is available only while both the bridge and
 * the camera are (`availability_mode: all`); the connectivity sensor follows the bridge alone, so that a
 * camera that is offline reads "disconnected" instead of "unavailable".
 */
export function cameraDiscovery(host: HostInfo, camera: CameraInfo, frameSizes: readonly FrameSizeOption[]): DiscoveryMessage[] {
  const { roots } = host;
  const node = cameraNodeId(roots, camera.name);
  const topic = (leaf: string): string => cameraTopic(roots, camera.name, leaf);
  const bridgeAvailability = { topic: bridgeStateTopic(roots), value_template: STATE_TEMPLATE };
  const cameraAvailability = { topic: topic('availability'), value_template: STATE_TEMPLATE };
  const base = (objectId: string, name: string | null): Record<string, unknown> => ({
    name,
    unique_id: `${cameraDeviceId(roots, camera.name)}_${objectId}`,
    origin: origin(host),
    device: cameraDevice(host, camera),
    availability: [bridgeAvailability, cameraAvailability],
    availability_mode: 'all',
  });
  const state = topic('state');
  const diagnostic = (objectId: string, name: string, valueTemplate: string, extra: Record<string, unknown> = {}): DiscoveryMessage => ({
    component: 'sensor',
    objectId,
    topic: discoveryTopic(roots, 'sensor', node, objectId),
    payload: { ...base(objectId, name), entity_category: 'diagnostic', state_topic: state, value_template: valueTemplate, ...extra },
  });
  const messages: DiscoveryMessage[] = [
    {
      component: 'camera',
      objectId: 'camera',
      topic: discoveryTopic(roots, 'camera', node, 'camera'),
      // null: the entity takes the device's name.
      payload: { ...base('camera', null), topic: topic('image') },
    },
    {
      component: 'button',
      objectId: 'capture',
      topic: discoveryTopic(roots, 'button', node, 'capture'),
      payload: { ...base('capture', 'Capture'), command_topic: topic('capture/set'), payload_press: 'PRESS', icon: 'mdi:camera-iris' },
    },
    {
      component: 'switch',
      objectId: 'led',
      topic: discoveryTopic(roots, 'switch', node, 'led'),
      // A state topic makes the switch follow what the camera did, not what was asked (it is not optimistic).
      payload: {
        ...base('led', 'LED'),
        command_topic: topic('led/set'),
        state_topic: state,
        value_template: '{{ value_json.led }}',
        payload_on: 'ON',
        payload_off: 'OFF',
        state_on: 'ON',
        state_off: 'OFF',
        optimistic: false,
        icon: 'mdi:led-on',
      },
    },
    {
      component: 'binary_sensor',
      objectId: 'connectivity',
      topic: discoveryTopic(roots, 'binary_sensor', node, 'connectivity'),
      payload: {
        ...base('connectivity', 'Connectivity'),
        availability: [bridgeAvailability],
        device_class: 'connectivity',
        entity_category: 'diagnostic',
        state_topic: topic('availability'),
        value_template: "{{ 'ON' if value_json.state == 'online' else 'OFF' }}",
      },
    },
    // A plain text sensor: "unknown" is one of the health states, and HA keeps that word for a missing state.
    diagnostic('health', 'Health', '{{ value_json.state }}', { icon: 'mdi:heart-pulse' }),
    diagnostic('uptime', 'Board uptime', '{{ value_json.uptimeS }}', { device_class: 'duration', unit_of_measurement: 's' }),
    diagnostic('boot_count', 'Boot count', '{{ value_json.bootCount }}', { state_class: 'total_increasing', icon: 'mdi:restart' }),
    diagnostic('reset_cause', 'Reset cause', '{{ value_json.resetCause }}', { icon: 'mdi:restart-alert' }),
    diagnostic('last_capture', 'Last capture', "{{ value_json.lastCapture.at if value_json.lastCapture else 'None' }}", {
      device_class: 'timestamp',
      json_attributes_topic: state,
      json_attributes_template: '{{ (value_json.lastCapture or {}) | tojson }}',
    }),
    {
      component: 'button',
      objectId: 'reboot',
      topic: discoveryTopic(roots, 'button', node, 'reboot'),
      payload: { ...base('reboot', 'Reboot'), command_topic: topic('reboot/set'), payload_press: 'PRESS', device_class: 'restart', entity_category: 'config' },
    },
  ];
  if (camera.settings) {
    messages.push(
      {
        component: 'select',
        objectId: 'frame_size',
        topic: discoveryTopic(roots, 'select', node, 'frame_size'),
        payload: {
          ...base('frame_size', 'Frame size'),
          entity_category: 'config',
          options: frameSizes.map((f) => f.name),
          command_topic: topic('settings/set'),
          command_template: '{"framesize": "{{ value }}"}',
          state_topic: state,
          value_template: '{{ value_json.settings.framesize }}',
          icon: 'mdi:image-size-select-large',
        },
      },
      {
        component: 'number',
        objectId: 'quality',
        topic: discoveryTopic(roots, 'number', node, 'quality'),
        // esp32-camera's JPEG quality: lower is better (and larger).
        payload: {
          ...base('quality', 'JPEG quality'),
          entity_category: 'config',
          min: 10,
          max: 63,
          step: 1,
          mode: 'box',
          command_topic: topic('settings/set'),
          command_template: '{"quality": {{ value | int }}}',
          state_topic: state,
          value_template: '{{ value_json.settings.quality }}',
          icon: 'mdi:quality-high',
        },
      },
    );
  }
  return messages;
}

/** Every config topic a camera could have, settings or not: what to empty when it leaves the config. */
export function cameraDiscoveryTopics(roots: TopicRoots, camera: string): string[] {
  const node = cameraNodeId(roots, camera);
  return [...CAMERA_OBJECTS, ...SETTINGS_OBJECTS].map((o) => discoveryTopic(roots, o.component, node, o.objectId));
}

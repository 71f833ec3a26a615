/**
 * The topic tree. Everything of one host lives under `<baseTopic>/<hostId>/`, so several hosts share a broker
 * without colliding; Home Assistant's discovery configs live under its own prefix.
 */

/** Where one host's topics are rooted. */
export interface TopicRoots {
  baseTopic: string;
  hostId: string;
  discoveryPrefix: string;
}

/** The commands a camera takes, each on `<camera>/<command>/set`. */
export const CAMERA_COMMANDS = ['capture', 'led', 'settings', 'reboot'] as const;
export type CameraCommandName = (typeof CAMERA_COMMANDS)[number];

/** Home Assistant's components this bridge publishes configs for. */
export type Component = 'camera' | 'button' | 'switch' | 'binary_sensor' | 'sensor' | 'select' | 'number';

/** A topic of the host itself: `bridge/state`, `bridge/health`. */
export function hostTopic(roots: TopicRoots, leaf: string): string {
  return `${roots.baseTopic}/${roots.hostId}/${leaf}`;
}

/** A topic of one camera: `front/state`, `front/capture/set`. */
export function cameraTopic(roots: TopicRoots, camera: string, leaf: string): string {
  return `${roots.baseTopic}/${roots.hostId}/${camera}/${leaf}`;
}

export const bridgeStateTopic = (roots: TopicRoots): string => hostTopic(roots, 'bridge/state');
export const bridgeHealthTopic = (roots: TopicRoots): string => hostTopic(roots, 'bridge/health');

/** The one subscription that carries every camera's commands. */
export const commandFilter = (roots: TopicRoots): string => `${roots.baseTopic}/${roots.hostId}/+/+/set`;

/** Where Home Assistant announces itself (its birth message is `online` there). */
export const homeAssistantStatusTopic = (roots: TopicRoots): string => `${roots.discoveryPrefix}/status`;

/** The camera and command a command topic names; undefined for a topic outside this host's commands. */
export function parseCommandTopic(roots: TopicRoots, topic: string): { camera: string; command: string } | undefined {
  const prefix = `${roots.baseTopic}/${roots.hostId}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const parts = topic.slice(prefix.length).split('/');
  if (parts.length !== 3 || parts[2] !== 'set' || parts[0] === '' || parts[1] === '') return undefined;
  return { camera: parts[0], command: parts[1] };
}

/** Home Assistant's single-component discovery topic: `<prefix>/<component>/<node>/<object>/config`. */
export function discoveryTopic(roots: TopicRoots, component: Component, nodeId: string, objectId: string): string {
  return `${roots.discoveryPrefix}/${component}/${nodeId}/${objectId}/config`;
}

/** The discovery node of a camera: `<hostId>_<camera>`. Camera names and host ids hold no `_`, so it is unambiguous. */
export const cameraNodeId = (roots: TopicRoots, camera: string): string => `${roots.hostId}_${camera}`;

/** What a host id may be: it becomes a topic level and part of discovery node ids ([a-zA-Z0-9_-] there). */
export const HOST_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** A host id made from a machine's host name: lowercase, the first label only, anything else a dash. */
export function hostIdFromHostname(hostname: string): string {
  const label = hostname.split('.')[0].toLowerCase();
  const cleaned = label
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return cleaned === '' ? 'esp32cam' : cleaned;
}

/** A topic level may not be empty nor hold the wildcards or the separator. */
export function topicLevelsProblem(topic: string): string | undefined {
  if (topic === '') return 'must not be empty';
  if (/[#+]/.test(topic)) return 'must not hold the wildcards + or #';
  if (topic.startsWith('/') || topic.endsWith('/') || topic.includes('//')) return 'must not start or end with / nor have an empty level';
  if (topic.startsWith('$')) return 'must not start with $ (the broker keeps those topics)';
  return undefined;
}

export { startMqtt, MQTT_OFF, MQTT_DEFAULTS, DEFAULT_PASSWORD_ENV, type MqttService, type MqttServiceOptions, type MqttStatus } from './mqtt-service.js';
export { cameraDiscovery, cameraDiscoveryTopics, hostDiscovery, origin, type CameraInfo, type DiscoveryMessage, type HostInfo } from './discovery.js';
export { parseCommand, type CameraCommand, type ParsedCommand } from './commands.js';
export { cameraState, bridgeHealth, availabilityOf, settingsOf } from './payloads.js';
export { RetainedState } from './retained-state.js';
export { redact } from './connection.js';
export * from './topics.js';

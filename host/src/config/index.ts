export { loadConfig, readConfigFile, resolveConfig, DEFAULTS, type ConfigSource, type LoadConfigOptions } from './load-config.js';
export { FRAME_SIZES, DEFAULT_CAMERA_NAME, type CameraConfig, type Config, type ConfigInput } from './schema.js';
export { parseCameraSpec, formatCameraSpec, defaultCameraSpec, busKey, DEFAULT_CAMERA_ADDRESS, type CameraSpec } from './camera-spec.js';
export { parseByteSize } from './byte-size.js';

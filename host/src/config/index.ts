export { loadConfig, readConfigFile, resolveConfig, DEFAULTS, type ConfigSource, type LoadConfigOptions } from './load-config.js';
export { FRAME_SIZES, DEFAULT_CAMERA_NAME, type CameraConfig, type Config, type ConfigInput, type I2cConfig } from './schema.js';
export { configuredI2cClock } from './i2c-clock.js';
export { parseCameraSpec, formatCameraSpec, defaultCameraSpec, busKey, DEFAULT_CAMERA_ADDRESS, type CameraSpec } from './camera-spec.js';
export { parseByteSize } from './byte-size.js';

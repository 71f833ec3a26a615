/** esp32cam-host's library API. */
export { CameraClient } from './devices/camera/camera-client.js';
export type { CameraClientOptions, CaptureOptions, CaptureProgress, PingResult, ProtocolChoice, ProtocolInUse } from './devices/camera/types.js';
export type { I2cTransport } from './transports/i2c-transport.js';
export { openI2cBus } from './transports/i2c-bus-transport.js';
export { Esp32CamError, isEsp32CamError, type ErrorCode } from './errors.js';
export { SimulatedEsp32Cam, type SimOptions, type SimFaults, type SimInfo } from './sim/index.js';
export { startServer, type RunningServer } from './app/index.js';
export { PhotoStore } from './services/photo-store.js';
export { loadConfig } from './config/index.js';
export { flashFirmware, type FlashOptions, type FlashEvent, type FlashResult } from './devices/flasher/flasher.js';
export type { BeforeOption } from './devices/board-reset/reset-lines.js';
export { listSerialPorts, openSerialPort, type SerialPortInfo, type SerialPortHandle } from './transports/serial/index.js';
export { SimSerialBoard, SimSerialBinding, registerSimSerialBoard, unregisterSimSerialBoard, SIM_PORT_PATH } from './sim/uart/index.js';
export { inspectImage, planFlash } from '../../protocol/src/esp-image/index.js';
export { FlashJobs, type FlashJobRequest, type FlashJobSnapshot } from './services/flash-jobs.js';

export { startServer, type RunningServer, type ServerOptions } from './start-server.js';
export { openHardware, simFlashFile, type HardwareOptions, type OpenedHardware } from './hardware.js';

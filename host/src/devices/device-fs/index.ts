export { listDeviceFiles, readDeviceFile, removeDeviceFile, makeDeviceDir, deviceFsInfo, statDeviceFile } from './device-fs.js';
export type { DeviceFileEntry, DeviceFsInfo, ReadProgress, ReadDeviceFileOptions } from './device-fs.js';
export { deviceFilePath, deviceFolderPath } from './device-path.js';

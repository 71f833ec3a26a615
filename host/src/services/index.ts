export { PhotoStore, type PhotoListPage, type PhotoStoreOptions, type SaveMeta, type StoreStats } from './photo-store.js';
export type { PhotoRecord } from './photo-record.js';
export { isPhotoId, assertPhotoId, PHOTO_ID_PATTERN } from './photo-id.js';
export { writeFileAtomic, fileWriteError } from './atomic-write.js';
export { nodeFs, type FsPort, type WritableFile } from './fs-port.js';
export { openCamera, type CameraHandle, type CameraConfig } from './camera-factory.js';
export { CaptureService, startCaptureService, type CameraStatus, type ServiceStatus, type Shot } from './capture-service.js';
export { startServices, type Services, type ServiceOptions } from './start-services.js';
export { errorPayload, type ErrorPayload } from './error-payload.js';

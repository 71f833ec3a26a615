export { PhotoStore, type PhotoListPage, type PhotoStoreOptions, type SaveMeta, type StoreStats } from './photo-store.js';
export type { PhotoRecord } from './photo-record.js';
export { isPhotoId, assertPhotoId, PHOTO_ID_PATTERN } from './photo-id.js';
export { writeFileAtomic, fileWriteError } from './atomic-write.js';
export { nodeFs, type FsPort, type WritableFile } from './fs-port.js';
export {
  Cameras,
  CaptureService,
  startCaptureService,
  type BoardView,
  type CameraHandle,
  type CameraStatus,
  type ServiceStatus,
  type Shot,
} from './cameras/index.js';
export { startServices, type Services, type ServiceHardware, type ServiceOptions } from './start-services.js';
export { errorPayload, type ErrorPayload } from './error-payload.js';

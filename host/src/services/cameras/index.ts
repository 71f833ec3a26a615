export { Cameras, type ServiceStatus } from './cameras.js';
export {
  CaptureService,
  startCaptureService,
  type CameraEvents,
  type CameraStatus,
  type CaptureRequest,
  type CaptureServiceOptions,
  type FlashMode,
  type Shot,
} from './capture-service.js';
export type { BoardView, CameraHandle } from './camera-handle.js';
export { AutoFlash, DARK_LUMA, meanLuma, type AutoFlashShot } from './auto-flash.js';

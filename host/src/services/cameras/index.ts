export { Cameras, type ServiceStatus } from './cameras.js';
export { CaptureService, startCaptureService, type CameraEvents, type CameraStatus, type CaptureServiceOptions, type Shot } from './capture-service.js';
export type { BoardView, CameraHandle } from './camera-handle.js';

export {
  CameraStream,
  type CameraStreamEvents,
  type CameraStreamOptions,
  type FrameSink,
  type StreamFrame,
  type Viewer,
  type ViewerStats,
} from './camera-stream.js';
export { MJPEG_BOUNDARY, MJPEG_CONTENT_TYPE, partHead, partTimestamp } from './mjpeg-parts.js';
export { mjpegSink, type WritableLike } from './mjpeg-sink.js';
export { DEFAULT_MAX_VIEWERS, Streams, type StreamsOptions } from './streams.js';

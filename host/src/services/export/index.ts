export { FPS, describeRange, parseExportRange, parseFps, rangeQuery, type ExportQuery, type ExportRange, type ScheduleFilter } from './export-query.js';
export { entryName, exportFileName, selectPhotos, summarize, type ExportSummary } from './export-selection.js';
export { readExportPhoto, type SkippedPhoto } from './export-photos.js';
export { FFMPEG_INSTALL_HINT, FfmpegFinder, chooseEncoder, timelapseArgs, videoSize, type Ffmpeg, type VideoEncoder } from './ffmpeg.js';
export {
  EXPORT_DEFAULTS,
  EXPORT_TEMP_FOLDER,
  PhotoExports,
  type ExportPlan,
  type ExportPreview,
  type Mp4Availability,
  type PhotoExportsOptions,
  type Timelapse,
} from './photo-exports.js';
export { encodeTimelapse, type TimelapseRequest, type TimelapseResult } from './timelapse.js';
export { MANIFEST_NAME, writeZipExport, type ExportManifest, type ZipExportRequest, type ZipExportResult } from './zip-export.js';

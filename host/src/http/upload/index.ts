export { clearUploads, streamUpload, uploadOf, UPLOAD_DIR, type StreamedUpload } from './streamed-upload.js';
export { UploadGate } from './upload-gate.js';
export { formatLimit } from './format-limit.js';

export { pushFile } from './push-file.js';
export { PUSH_CHUNK_BYTES, DEFLATE_SLICE_BYTES, MAX_DEFLATED_BYTES } from './push-chunks.js';
export { PUSH_WINDOW_BITS } from './board-code.js';
export type { PushFileOptions, PushFileResult, PushProgress, PushPhase } from './push-file.js';
export { checkPythonSyntax, assertPythonSyntax } from './syntax-check.js';
export { renderConfigModule, configDefaults, readConfigTemplate, CONFIG_MODULE_FILE } from './config-module.js';
export type { ConfigValue } from './config-module.js';
export { normaliseRemotePath, tempPathFor, MAX_REMOTE_PATH } from './remote-path.js';
export { removeStaleTemps } from './stale-temps.js';

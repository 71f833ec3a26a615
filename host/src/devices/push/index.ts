export { pushFile, PUSH_CHUNK_BYTES } from './push-file.js';
export type { PushFileOptions, PushFileResult, PushProgress, PushPhase } from './push-file.js';
export { checkPythonSyntax, assertPythonSyntax } from './syntax-check.js';
export { renderConfigModule, configDefaults, readConfigTemplate, CONFIG_MODULE_FILE } from './config-module.js';
export type { ConfigValue } from './config-module.js';
export { normaliseRemotePath, tempPathFor, MAX_REMOTE_PATH } from './remote-path.js';
export { removeStaleTemps } from './stale-temps.js';

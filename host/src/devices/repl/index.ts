export { RawReplClient } from './raw-repl-client.js';
export type { RawReplOptions, ExecOptions, ExecResult } from './raw-repl-client.js';
export { duplexLink } from './link.js';
export type { ReplLink } from './link.js';
export { watchdogFeedCode, DEFAULT_MAINTENANCE_WINDOW_MS } from './watchdog.js';

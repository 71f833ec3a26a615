export * from './crc.js';
export * from './legacy.js';
export * as v2 from './v2.js';
export * from './jpeg.js';
export * as espImage from './esp-image/index.js';
export * as rom from './rom/index.js';
export * as repl from './repl/index.js';
export * as bootLog from './boot-log/index.js';

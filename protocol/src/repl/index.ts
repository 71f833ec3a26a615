export * from './constants.js';
export * from './boot-banner.js';
export * from './parser.js';
export * from './raw-paste-window.js';

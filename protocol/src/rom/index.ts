/** The ESP ROM serial bootloader protocol (docs/hardware.md §7): pure encode/decode, no I/O, no framing. */
export * from './opcodes.js';
export * from './packet.js';
export * from './commands.js';

export * from './chips.js';
export * from './types.js';
export { inspectImage } from './inspect.js';
export { planFlash, layoutOffset, type FlashPlan, type PlanOptions } from './plan.js';
export { readImage, IMAGE_MAGIC, CHECKSUM_SEED, MAX_SEGMENTS, type ImageFamily } from './image-header.js';
export { readPartitionTable, defaultAppPartition } from './partition-table.js';
export { sha256 } from './sha256.js';

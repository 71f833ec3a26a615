/**
 * The simulated ESP32-CAM: a product feature (`npm start` with no hardware) and the project's test rig.
 * See simulated-board.ts for the model and docs/hardware.md §2–4 for what it follows.
 */
export { SimulatedEsp32Cam, openSimBus, RESET_CAUSES } from './simulated-board.js';
export { SimI2cBus } from './sim-i2c-bus.js';
export type { SimOptions, SimInfo, ResetCause } from './simulated-board.js';
export { SimFs, findFsRegion, FS_BLOCK, type FsState } from './sim-fs.js';
export type { SimFaults } from './faults.js';
export { checkLineNoise, NOISE_KINDS, type LineNoiseOptions, type NoiseCounts, type NoiseKind } from './line-noise.js';
export { parseRuntimeFault, checkRuntimeFault, RUNTIME_FAULT_KINDS } from './runtime-faults.js';
export type { RuntimeFault, RuntimeFaultKind, RuntimeFaultArgs, RuntimeFaultRequest, RuntimeFaultInfo, RebootCause } from './runtime-faults.js';
export type { FaultEvent } from './simulated-board.js';
export type { FrameSource } from './camera-model.js';
export { exposedAt, jpegQualityFor, renderTestCard, simExposure, type SimExposure } from './test-card.js';
export { exposureLight, FLASH_LIGHT, FLASH_RAMP_MS } from './scene-light.js';
export { transactionMs } from './wire-clock.js';

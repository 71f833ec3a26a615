export { resetBoard, wasReset, type BoardSession, type ResetMode, type ResetOptions, type ResetResult } from './reset-board.js';
export {
  classicReset,
  hardReset,
  manualReset,
  noReset,
  resetPlan,
  usbJtagReset,
  MANUAL_INSTRUCTIONS,
  type BeforeOption,
  type ModemLines,
  type ResetStep,
} from './reset-lines.js';

export { recogniseBoardFault, type BoardFault } from './board-faults.js';
export { BootWatch, type BootVerdict } from './boot-watch.js';

export { recogniseBoardFault, type BoardFault } from './board-faults.js';

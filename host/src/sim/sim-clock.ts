/**
 * Absolute milliseconds, the clock the board shares with its worker thread: performance.now() alone counts
 * from each thread's own start, so times handed across would not compare.
 */
export const absNow = (): number => performance.timeOrigin + performance.now();

import type { FrameSink, StreamFrame } from './camera-stream.js';
import { partHead } from './mjpeg-parts.js';

/** What a sink needs of a writable stream (an HTTP response, a socket). */
export interface WritableLike {
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  write(chunk: Buffer): boolean;
  end(): unknown;
}

/**
 * A viewer on a writable stream, as multipart parts. A part is written whole or not at all, and not while
 * the stream holds more than its buffer allows (write() returned false and no 'drain' came yet): so a
 * viewer's backlog is at most its buffer plus one frame, however slow it reads.
 */
export function mjpegSink(out: WritableLike): FrameSink {
  return {
    ready: () => !out.destroyed && !out.writableNeedDrain,
    write: (frame: StreamFrame) => {
      out.write(partHead(frame.jpeg.length, frame.takenAt));
      out.write(frame.jpeg);
    },
    end: () => {
      if (!out.destroyed) out.end();
    },
  };
}

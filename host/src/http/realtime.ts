import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer, type ServerOptions } from 'socket.io';
import type { Cameras } from '../services/cameras/index.js';
import { photoJson } from './photo-json.js';

/** The room of the sockets that asked for new photos' bytes: the page's one socket (its panels share it), not other clients'. */
const PHOTO_BYTES = 'photo-bytes';

/**
 * Pushes the service's events to every browser. `status` is the whole service (every camera) on connect and
 * on any change; `camera:status` is the one camera that changed. `capture:start`, `capture:progress`,
 * `capture:error`, `photo:new` and `photo:deleted` each carry their camera's name in `camera`. A socket that
 * connects with `?photos=bytes` gets each new photo's JPEG too, in `photo:new`'s `jpeg`.
 */
export function attachRealtime(httpServer: HttpServer, cameras: Cameras, allowRequest: ServerOptions['allowRequest']): SocketServer {
  const io = new SocketServer(httpServer, {
    // The page loads socket.io's client from /vendor, behind the same doors as every other file.
    serveClient: false,
    allowRequest,
    // The largest message a page sends is console input (4 KB); nothing needs a megabyte.
    maxHttpBufferSize: 64 * 1024,
    // Never grant CORS: a page from another origin gets no handshake.
    cors: undefined,
  });
  io.on('connection', (socket) => {
    if (socket.handshake.query.photos === 'bytes') void socket.join(PHOTO_BYTES);
    socket.emit('status', cameras.status());
  });
  cameras.on('status', (camera) => {
    io.emit('camera:status', camera);
    io.emit('status', cameras.status());
  });
  cameras.on('capture:start', (event) => io.emit('capture:start', event));
  cameras.on('capture:progress', (progress) => io.emit('capture:progress', progress));
  cameras.on('photo:new', (record, jpeg) => {
    const json = photoJson(record);
    // The bytes go in base64 inside the one message: a binary attachment would be a second frame, which the
    // page was seen to get many milliseconds after the first. The page draws the photo without a request.
    io.to(PHOTO_BYTES).emit('photo:new', { ...json, jpeg: jpeg.toString('base64') });
    io.except(PHOTO_BYTES).emit('photo:new', json);
  });
  cameras.on('photo:deleted', (event) => io.emit('photo:deleted', event));
  cameras.on('capture:error', (error) => io.emit('capture:error', error));
  return io;
}

import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer, type ServerOptions } from 'socket.io';
import type { Cameras } from '../services/cameras/index.js';
import { photoJson } from './photo-json.js';

/**
 * Pushes the service's events to every browser. `status` is the whole service (every camera) on connect and
 * on any change; `camera:status` is the one camera that changed. `capture:start`, `capture:progress`,
 * `capture:error`, `photo:new` and `photo:deleted` each carry their camera's name in `camera`.
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
    socket.emit('status', cameras.status());
  });
  cameras.on('status', (camera) => {
    io.emit('camera:status', camera);
    io.emit('status', cameras.status());
  });
  cameras.on('capture:start', (event) => io.emit('capture:start', event));
  cameras.on('capture:progress', (progress) => io.emit('capture:progress', progress));
  cameras.on('photo:new', (record) => io.emit('photo:new', photoJson(record)));
  cameras.on('photo:deleted', (event) => io.emit('photo:deleted', event));
  cameras.on('capture:error', (error) => io.emit('capture:error', error));
  return io;
}

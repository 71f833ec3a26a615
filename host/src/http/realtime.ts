import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer, type ServerOptions } from 'socket.io';
import type { CaptureService } from '../services/capture-service.js';
import { photoJson } from './photo-json.js';

/**
 * Pushes the service's events to every browser: `status` (on connect and on change), `capture:start`,
 * `capture:progress`, `photo:new`, `photo:deleted`, `capture:error`.
 */
export function attachRealtime(httpServer: HttpServer, capture: CaptureService, allowRequest: ServerOptions['allowRequest']): SocketServer {
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
    socket.emit('status', capture.status());
  });
  capture.on('status', (status) => io.emit('status', status));
  capture.on('capture:start', (event) => io.emit('capture:start', event));
  capture.on('capture:progress', (progress) => io.emit('capture:progress', progress));
  capture.on('photo:new', (record) => io.emit('photo:new', photoJson(record)));
  capture.on('photo:deleted', (event) => io.emit('photo:deleted', event));
  capture.on('capture:error', (error) => io.emit('capture:error', error));
  return io;
}

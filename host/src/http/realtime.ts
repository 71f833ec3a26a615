import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer } from 'socket.io';
import type { CaptureService } from '../services/capture-service.js';
import { photoJson } from './photo-json.js';

/**
 * Pushes the service's events to every browser: `status` (on connect and on change), `capture:start`,
 * `capture:progress`, `photo:new`, `photo:deleted`, `capture:error`.
 */
export function attachRealtime(httpServer: HttpServer, capture: CaptureService): SocketServer {
  // serveClient stays on: the web page loads /socket.io/socket.io.js without a build step.
  const io = new SocketServer(httpServer, { serveClient: true });
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

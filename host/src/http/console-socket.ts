import type { Server as SocketServer, Socket } from 'socket.io';
import { z } from 'zod';
import { Esp32CamError } from '../errors.js';
import { errorPayload } from '../services/error-payload.js';
import { MAX_INPUT_BYTES, type SerialConsoles } from '../services/serial-console.js';

const joinPayload = z.object({ port: z.string().min(1).max(255).optional() }).strict();

const room = (port: string): string => `console:${port}`;

/** Typed text arrives as a string (sent as UTF-8, as MicroPython expects); raw bytes as binary. */
function inputBytes(payload: unknown): Uint8Array {
  if (typeof payload === 'string') {
    if (payload.length > MAX_INPUT_BYTES) return new Uint8Array(MAX_INPUT_BYTES + 1);
    return new TextEncoder().encode(payload);
  }
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  throw new Esp32CamError('E_BAD_INPUT', 'Console input must be text or bytes', 'Send a string (typed text) or binary data (raw bytes).');
}

type Ack = (reply: unknown) => void;

function ackOf(args: unknown[]): Ack | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as Ack) : undefined;
}

/**
 * The serial console over socket.io. A page sends `console:join` `{ port? }` (acknowledged with
 * `{ port, scrollback, viewers }` or `{ error }`), `console:input` (a string or bytes), `console:leave` and
 * `console:disconnect` (closes it for every tab). It receives `console:output` `{ port, data }` (binary),
 * `console:state` `{ port, state, viewers, error? }` and `console:error` `{ code, message, hint }` for input
 * it got wrong. A socket watches one console at a time.
 */
export function attachConsole(io: SocketServer, consoles: SerialConsoles): void {
  consoles.on('output', ({ port, bytes }) => {
    io.to(room(port)).emit('console:output', { port, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  });
  consoles.on('state', (event) => {
    // Every page hears it: a tab that is not watching still learns that the port is taken.
    io.emit('console:state', event);
    if (event.state === 'closed') io.in(room(event.port)).socketsLeave(room(event.port));
  });
  io.on('connection', (socket) => handleSocket(socket, consoles));
}

function handleSocket(socket: Socket, consoles: SerialConsoles): void {
  let watching: string | undefined;
  const fail = (err: unknown, ack?: Ack): void => {
    const error = errorPayload(err);
    if (ack) ack({ error });
    else socket.emit('console:error', error);
  };
  const leave = (): void => {
    if (watching === undefined) return;
    void socket.leave(room(watching));
    consoles.leave(socket.id, watching);
    watching = undefined;
  };

  socket.on('console:join', async (...args: unknown[]) => {
    const ack = ackOf(args);
    try {
      const payload = joinPayload.safeParse(args.length > (ack ? 1 : 0) ? args[0] : {});
      if (!payload.success) {
        throw new Esp32CamError(
          'E_BAD_INPUT',
          'console:join takes { port } with a port path such as sim:esp32cam',
          'Send { port: "/dev/ttyUSB0" }, or {} for the one board.',
        );
      }
      // Joining the console this socket already watches just sends the scrollback again; another port is
      // joined first and the old one left after, so a failed switch keeps the console the page had.
      const joined = await consoles.join(socket.id, payload.data.port ?? watching);
      if (socket.disconnected) {
        consoles.leave(socket.id, joined.port);
        return;
      }
      if (watching !== joined.port) leave();
      watching = joined.port;
      void socket.join(room(joined.port));
      const reply = { port: joined.port, viewers: joined.viewers, scrollback: Buffer.from(joined.scrollback) };
      if (ack) ack(reply);
      else socket.emit('console:joined', reply);
    } catch (err) {
      fail(err, ack);
    }
  });

  socket.on('console:input', async (...args: unknown[]) => {
    const ack = ackOf(args);
    try {
      if (watching === undefined) throw new Esp32CamError('E_BAD_INPUT', 'This page is not connected to a console', 'Press Connect first.');
      await consoles.write(socket.id, watching, inputBytes(args[0]));
      ack?.({ ok: true });
    } catch (err) {
      fail(err, ack);
    }
  });

  socket.on('console:reset', async (...args: unknown[]) => {
    const ack = ackOf(args);
    try {
      if (watching === undefined) throw new Esp32CamError('E_BAD_INPUT', 'This page is not connected to a console', 'Press Connect first.');
      await consoles.resetBoard(socket.id, watching);
      ack?.({ ok: true });
    } catch (err) {
      fail(err, ack);
    }
  });

  socket.on('console:leave', (...args: unknown[]) => {
    leave();
    ackOf(args)?.({ ok: true });
  });

  socket.on('console:disconnect', async (...args: unknown[]) => {
    const ack = ackOf(args);
    const port = watching;
    leave();
    try {
      if (port !== undefined) await consoles.disconnect(port);
      ack?.({ ok: true });
    } catch (err) {
      fail(err, ack);
    }
  });

  socket.on('disconnect', leave);
}

import { io as connect } from 'socket.io-client';

/**
 * Tries a socket.io connection with the given headers and reports what came of it: `connected` or
 * `refused: ...`, and every event the server sent meanwhile (a refused socket must get none).
 */
export async function trySocket(url: string, headers: Record<string, string> = {}): Promise<{ outcome: string; events: string[] }> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
  const events: string[] = [];
  socket.onAny((name: string) => events.push(name));
  const outcome = await new Promise<string>((resolve) => {
    socket.on('connect', () => resolve('connected'));
    socket.on('connect_error', (err) => resolve(`refused: ${err.message}`));
  });
  socket.close();
  return { outcome, events };
}

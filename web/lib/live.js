import { checkSignedIn } from './api.js';
import { pageSocket } from './socket.js';

/**
 * The socket.io connection that carries live updates. socket.io reconnects by itself; this reports the
 * connection state to the page and says each time it (re)connects, so the page can catch up on what it missed.
 */
export function connectLive({ onState, onConnect, handlers }) {
  const socket = pageSocket();
  if (!socket) {
    // The client script comes from the service; without it the page still works, just not live.
    onState('unavailable');
    return null;
  }
  let wasConnected = false;
  socket.on('connect', () => {
    onState('live');
    onConnect({ reconnected: wasConnected });
    wasConnected = true;
  });
  socket.on('disconnect', (reason) => {
    onState('reconnecting');
    // The service ends sockets itself only when their token was replaced.
    if (reason === 'io server disconnect') void checkSignedIn();
  });
  socket.on('connect_error', () => {
    onState(wasConnected ? 'reconnecting' : 'offline');
    void checkSignedIn();
  });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
  return socket;
}

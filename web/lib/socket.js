/**
 * The page's one socket.io connection, shared by the live view and every panel. Each `window.io()` call makes a
 * connection of its own (socket.io multiplexes only distinct namespaces), and every connection gets every
 * broadcast: four of them made the page parse each event four times, right when a new photo should be drawn.
 * The service checks this connection's handshake (Host, Origin, token) exactly as it checked each of the four.
 */
let shared;

/**
 * The shared socket, connected on first use; null when socket.io's client did not load (the page then works
 * without live updates). It asks for new photos' bytes (`photos=bytes`): the viewer draws them without a request.
 */
export function pageSocket() {
  if (shared !== undefined) return shared;
  shared = typeof window.io === 'function' ? window.io({ reconnectionDelayMax: 5000, query: { photos: 'bytes' } }) : null;
  return shared;
}

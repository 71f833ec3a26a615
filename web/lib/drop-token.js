/**
 * The page was opened with ?token=...: the service has set its cookie by now, so the token leaves the
 * address bar (and the history, bookmarks and screenshots with it). Imported first by app.js.
 */
const here = new URL(window.location.href);
if (here.searchParams.has('token')) {
  here.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${here.pathname}${here.search}${here.hash}`);
}

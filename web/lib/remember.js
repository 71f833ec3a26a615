/** Small choices the page keeps across reloads (a panel left open); private mode keeps them for the page only. */

export function remembered(key, fallback = false) {
  try {
    const v = window.localStorage.getItem(key);
    return v === null ? fallback : v === 'true';
  } catch {
    return fallback;
  }
}

export function remember(key, value) {
  try {
    window.localStorage.setItem(key, String(value));
  } catch {
    // Private mode or storage off: the choice lasts as long as the page.
  }
}

import { cameraLabel } from './status-view.js';
import { formatTaken } from './format.js';
import { setBadge } from './health-format.js';

/** A camera's state in two words, for its tile. */
function stateOf(camera) {
  if (camera.busy) return { key: 'busy', text: 'Capturing' };
  if (camera.online === true) return { key: 'online', text: 'Online' };
  if (camera.online === false) return { key: 'offline', text: 'Offline' };
  return { key: 'unknown', text: 'Not contacted yet' };
}

/**
 * The page's first view with several cameras: one tile per camera with its latest photo, its name and its
 * state. A tap opens that camera's view. Tiles are buttons, so they work with a keyboard too.
 */
export class CameraGrid {
  constructor(list, { onOpen }) {
    this.list = list;
    this.onOpen = onOpen;
    /** name → { item, button, img, empty, state, kind, taken, health } */
    this.tiles = new Map();
  }

  /** Adds tiles for new cameras, drops tiles of cameras gone, and refreshes every state. */
  render(cameras) {
    const names = new Set(cameras.map((c) => c.name));
    for (const [name, t] of this.tiles) {
      if (!names.has(name)) {
        t.item.remove();
        this.tiles.delete(name);
      }
    }
    for (const camera of cameras) {
      const t = this.tiles.get(camera.name) ?? this.create(camera.name);
      const s = stateOf(camera);
      t.state.textContent = s.text;
      t.state.dataset.state = s.key;
      t.kind.textContent = `${cameraLabel(camera)} · ${camera.spec}`;
      t.item.dataset.state = s.key;
      if (camera.health) this.setHealth(camera.name, camera.health.state);
      this.list.append(t.item);
    }
  }

  /** Shows `photo` (or nothing) as the camera's latest. */
  setLatest(name, photo) {
    const t = this.tiles.get(name);
    if (!t) return;
    t.item.dataset.latest = photo?.id ?? '';
    t.img.hidden = !photo;
    t.empty.hidden = Boolean(photo);
    if (photo) {
      t.img.src = photo.urls.thumb;
      t.img.alt = `Latest photo of ${name}`;
      t.taken.textContent = formatTaken(photo.takenAt);
    } else {
      t.img.removeAttribute('src');
      t.taken.textContent = '';
    }
  }

  /** The health monitor's state for a camera, as a badge on its tile (`health-badge-NAME`). */
  setHealth(name, state) {
    const t = this.tiles.get(name);
    if (!t) return;
    setBadge(t.health, state);
    t.health.hidden = false;
    t.item.dataset.health = t.health.dataset.state;
    // The button's label is all a screen reader says of the tile, so it carries the state too.
    t.button.setAttribute('aria-label', `Open camera ${name} (health: ${t.health.textContent})`);
  }

  latestId(name) {
    return this.tiles.get(name)?.item.dataset.latest || undefined;
  }

  create(name) {
    const item = document.createElement('li');
    item.className = 'camera-tile';
    item.dataset.testid = `camera-tile-${name}`;
    item.dataset.camera = name;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'tile-button';
    button.setAttribute('aria-label', `Open camera ${name}`);
    const frame = document.createElement('span');
    frame.className = 'tile-frame';
    const img = document.createElement('img');
    img.loading = 'lazy';
    img.hidden = true;
    const empty = document.createElement('span');
    empty.className = 'tile-empty';
    empty.textContent = 'No photo yet';
    // Hidden until the service reports a health state (an older service has no monitor).
    const health = document.createElement('span');
    health.className = 'health-badge tile-health';
    health.dataset.testid = `health-badge-${name}`;
    health.hidden = true;
    frame.append(img, empty, health);
    const title = document.createElement('span');
    title.className = 'tile-title';
    const label = document.createElement('strong');
    label.textContent = name;
    const state = document.createElement('span');
    state.className = 'tile-state';
    title.append(label, state);
    const kind = document.createElement('span');
    kind.className = 'tile-kind';
    const taken = document.createElement('span');
    taken.className = 'tile-taken';
    button.append(frame, title, kind, taken);
    button.addEventListener('click', () => this.onOpen(name));
    item.append(button);
    const t = { item, button, img, empty, state, kind, taken, health };
    this.tiles.set(name, t);
    return t;
  }
}

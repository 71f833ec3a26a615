import './lib/style-nonce.js';
import './lib/drop-token.js';
import * as api from './lib/api.js';
import { Gallery } from './lib/gallery.js';
import { renderStatus } from './lib/status-view.js';
import { offerPhotoBytes, showPhoto, shownPhotoId } from './lib/viewer.js';
import { hideError, hideErrorIf, hideProgress, setBusy, showError, showProgress, showStarting } from './lib/capture-view.js';
import { connectLive } from './lib/live.js';
import { formatTakenLong } from './lib/format.js';
import { initFirmwarePanel } from './lib/firmware-panel.js';
import { initConsolePanel } from './lib/console-panel.js';
import { initScriptsPanel } from './lib/scripts-panel.js';
import { CameraGrid } from './lib/camera-grid.js';
import { setPreferredPort } from './lib/ports.js';
import { initHealthPanel } from './lib/health-panel.js';
import { initLiveView } from './lib/live-view.js';
import { initSettingsPanel } from './lib/settings-panel.js';
import { initSchedulesPanel } from './lib/schedules-panel.js';
import { initExportPanel } from './lib/export-panel.js';
import { remember, remembered } from './lib/remember.js';

const $ = (id) => document.getElementById(id);
const PAGE = 20;
const SHOW_SCHEDULED_KEY = 'esp32cam.showScheduled';

const state = {
  /** The camera whose view is open; null on the grid. */
  camera: null,
  /** Every camera's status, as the service last sent it. */
  cameras: [],
  ownCapture: false,
  remoteCapture: false,
  /** The user picked an older photo; new photos then do not take over the viewer. */
  pinned: false,
  flashPending: false,
  hideProgressTimer: 0,
  /** The gallery holds the service's list (the first load, or a later catch-up, succeeded). */
  loaded: false,
  /** Whether the gallery lists the photos schedules took; the page remembers the choice. */
  showScheduled: remembered(SHOW_SCHEDULED_KEY, true),
};

/** What the photo listings ask for: every photo, or those taken by hand only. */
const scheduledFilter = () => (state.showScheduled ? 'show' : 'hide');

const gallery = new Gallery($('gallery'), { onOpen: openPhoto, onDelete: confirmDelete });
const grid = new CameraGrid($('camera-grid-list'), { onOpen: (name) => (window.location.hash = `#/cameras/${encodeURIComponent(name)}`) });
const health = initHealthPanel();
const live = initLiveView();
const settings = initSettingsPanel();
const exporter = initExportPanel();
const schedules = initSchedulesPanel(undefined, { onChange: (list) => exporter?.setSchedules(list) });

/** The camera an event is about is the open one. */
const isOpen = (camera) => state.camera !== null && camera === state.camera;

/**
 * This page streams the open camera: each frame is a capture the service announces like any other, and a
 * still taken meanwhile shares the stream's next frame, so those captures must not hold the Capture button.
 */
const streaming = () => Boolean(live?.running);

function openPhoto(photo) {
  state.pinned = photo.id !== gallery.newest()?.id;
  showPhoto(photo);
  gallery.select(photo.id);
  $('latest-photo').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

function refreshViewer() {
  const shown = shownPhotoId();
  if (state.pinned && shown && gallery.has(shown)) return;
  state.pinned = false;
  const newest = gallery.newest();
  if (newest?.id !== shown) showPhoto(newest);
  gallery.select(newest?.id);
}

function refreshGalleryChrome() {
  $('gallery-empty').hidden = gallery.size > 0;
  $('load-more').hidden = gallery.cursor() === null;
  const total = Math.max(gallery.total, gallery.size);
  $('gallery-count').textContent = total ? `${total} photo${total === 1 ? '' : 's'}` : '';
}

function addPhoto(photo, { show = false } = {}) {
  if (gallery.add(photo)) gallery.total += 1;
  if (show) state.pinned = false;
  refreshViewer();
  refreshGalleryChrome();
}

function removePhoto(id) {
  if (gallery.remove(id)) gallery.total = Math.max(0, gallery.total - 1);
  refreshViewer();
  refreshGalleryChrome();
}

function updateBusy() {
  setBusy(state.ownCapture || state.remoteCapture);
}

function captureFinished() {
  state.remoteCapture = false;
  updateBusy();
  clearTimeout(state.hideProgressTimer);
  state.hideProgressTimer = setTimeout(hideProgress, 1500);
}

async function capture() {
  if (state.ownCapture) return;
  state.ownCapture = true;
  clearTimeout(state.hideProgressTimer);
  updateBusy();
  showStarting();
  try {
    const photo = await api.capture(state.camera);
    addPhoto(photo, { show: true });
    showProgress({ phase: 'done', bytes: photo.size, total: photo.size, attempt: 1 });
  } catch (err) {
    hideProgress();
    showError(err);
  } finally {
    state.ownCapture = false;
    captureFinished();
  }
}

async function toggleFlash(event) {
  const input = event.currentTarget;
  const wanted = input.checked;
  state.flashPending = true;
  input.disabled = true;
  try {
    const res = await api.setLed(state.camera, wanted);
    input.checked = Boolean(res?.on);
  } catch (err) {
    input.checked = !wanted;
    showError(err);
  } finally {
    state.flashPending = false;
    input.disabled = false;
  }
}

function applyStatus(status) {
  state.cameras = Array.isArray(status.cameras) ? status.cameras : [status.camera].filter(Boolean);
  grid.render(state.cameras);
  $('to-grid').hidden = state.cameras.length < 2;
  showRoute({ load: false });
  const camera = state.cameras.find((c) => c.name === state.camera);
  if (!camera) {
    // The grid: the header says how many cameras there are, and how many answer.
    const online = state.cameras.filter((c) => c.online === true).length;
    $('camera-kind').textContent = `${state.cameras.length} cameras, ${online} online`;
    return;
  }
  renderStatus({ ...status, camera });
  health?.applyStatus(camera);
  // `busy` also covers captures whose start this page missed (opened mid-capture, or just reconnected).
  const busy = camera.busy && !streaming();
  if (busy === true && !state.ownCapture && !state.remoteCapture) {
    state.remoteCapture = true;
    updateBusy();
    clearTimeout(state.hideProgressTimer);
    showStarting();
  } else if (busy === false && state.remoteCapture) {
    captureFinished();
  }
  const led = camera.led;
  if (typeof led === 'boolean' && !state.flashPending) $('flash-toggle').checked = led;
  // The status counts every photo of the camera; with timelapse photos hidden, the listing's total holds.
  if (Number.isInteger(camera.photos) && state.showScheduled) {
    gallery.total = camera.photos;
    refreshGalleryChrome();
  }
}

/** Each tile shows its camera's newest photo. */
async function refreshLatest(name) {
  try {
    const page = await api.listPhotos({ camera: name, limit: 1 });
    grid.setLatest(name, page.items[0]);
  } catch {
    // The tile keeps what it showed; the next event or reconnect tries again.
  }
}

/**
 * Which view the address asks for: `#/cameras/NAME` opens that camera; otherwise the grid, except with a
 * single camera, whose view opens at once (there is nothing to choose).
 */
function route() {
  const m = /^#\/cameras\/([^/]+)$/.exec(window.location.hash);
  const names = state.cameras.map((c) => c.name);
  if (m) {
    const name = decodeURIComponent(m[1]);
    if (names.includes(name)) return name;
  }
  return names.length === 1 ? names[0] : null;
}

/** Shows the grid or a camera's view; `load` fetches the photos of the view it changed to. */
function showRoute({ load = true } = {}) {
  const wanted = route();
  document.body.dataset.view = wanted === null ? 'grid' : 'camera';
  if (wanted === state.camera) return;
  state.camera = wanted;
  state.pinned = false;
  state.remoteCapture = false;
  hideProgress();
  hideError();
  gallery.reset({ items: [], next: null, total: 0 });
  showPhoto(undefined);
  refreshGalleryChrome();
  if (wanted !== null) {
    // The board tools (firmware, console, scripts) default to this camera's board.
    setPreferredPort(state.cameras.find((c) => c.name === wanted)?.serialPort);
    $('camera-name').textContent = wanted;
    health?.open(
      wanted,
      state.cameras.find((c) => c.name === wanted),
    );
    document.title = `${wanted} · ESP32-CAM`;
    live?.open(wanted);
    settings?.open(wanted);
    exporter?.open(wanted);
    schedules?.open(wanted);
  } else {
    document.title = 'ESP32-CAM';
    health?.close();
    live?.close();
    settings?.close();
    schedules?.close();
    exporter?.close();
  }
  if (load) catchUp();
}

function confirmDelete(photo) {
  const dialog = $('confirm-delete');
  $('confirm-text').textContent = `The photo taken ${formatTakenLong(photo.takenAt)} is removed from the Pi for good.`;
  dialog.returnValue = '';
  dialog.addEventListener(
    'close',
    async () => {
      if (dialog.returnValue !== 'delete') return;
      try {
        await api.deletePhoto(photo.id);
        removePhoto(photo.id);
      } catch (err) {
        showError(err);
      }
    },
    { once: true },
  );
  dialog.showModal();
}

/** Shows or hides the photos schedules took: the gallery is listed again with the new filter. */
function toggleScheduled(event) {
  state.showScheduled = event.currentTarget.checked;
  remember(SHOW_SCHEDULED_KEY, state.showScheduled);
  state.pinned = false;
  gallery.reset({ items: [], next: null, total: 0 });
  refreshGalleryChrome();
  if (state.camera !== null) catchUp();
}

async function loadMore() {
  const button = $('load-more');
  const before = gallery.cursor();
  if (!before || state.camera === null) return;
  button.disabled = true;
  try {
    gallery.appendPage(await api.listPhotos({ camera: state.camera, limit: PAGE, before, scheduled: scheduledFilter() }));
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
    refreshGalleryChrome();
  }
}

/**
 * Catches up after a reconnect. When the newest page reaches down to the photos already shown, it is
 * merged (new photos added, vanished ones removed) and pages loaded further down stay. When more photos
 * arrived than one page holds, merging would leave a hole, so the gallery starts again from that page.
 */
async function resync() {
  try {
    const status = await api.getStatus();
    applyStatus(status);
    const camera = state.camera;
    if (camera === null) {
      for (const c of state.cameras) await refreshLatest(c.name);
      state.loaded = true;
      hideErrorIf(api.E_OFFLINE);
      return;
    }
    const scheduled = scheduledFilter();
    const page = await api.listPhotos({ camera, limit: PAGE, scheduled });
    // The user opened another camera, or flipped the timelapse switch, meanwhile: its own catch-up fills the gallery.
    if (camera !== state.camera || scheduled !== scheduledFilter()) return;
    const oldest = page.items.at(-1);
    const shownNewest = gallery.newest();
    const complete = page.next === null;
    if (complete || (oldest && shownNewest && oldest.id <= shownNewest.id)) {
      const fresh = new Set(page.items.map((p) => p.id));
      for (const p of [...gallery.photos]) {
        if ((complete || p.id >= oldest.id) && !fresh.has(p.id)) gallery.remove(p.id);
      }
      for (const p of page.items) gallery.add(p);
      gallery.total = page.total;
    } else {
      gallery.reset(page);
    }
    state.loaded = true;
    refreshViewer();
    refreshGalleryChrome();
    hideErrorIf(api.E_OFFLINE);
  } catch (err) {
    showError(err);
  }
}

let syncRun = null;
let syncAgain = false;

/** Runs resync, never two at once; a reconnect during one asks for another pass afterwards. */
function catchUp() {
  if (syncRun) {
    syncAgain = true;
    return syncRun;
  }
  syncRun = (async () => {
    do {
      syncAgain = false;
      await resync();
    } while (syncAgain);
    syncRun = null;
  })();
  return syncRun;
}

function setConnection(s) {
  const el = $('connection');
  el.dataset.state = s;
  el.querySelector('.live-text').textContent =
    {
      live: 'Live',
      reconnecting: 'Reconnecting…',
      offline: 'Offline',
      unavailable: 'No live updates',
      connecting: 'Connecting…',
    }[s] ?? s;
  if (s !== 'live' && state.remoteCapture) {
    // A capture seen from here can no longer be followed; its result arrives with the resync.
    state.remoteCapture = false;
    updateBusy();
    hideProgress();
  }
}

async function start() {
  $('capture-button').addEventListener('click', capture);
  $('flash-toggle').addEventListener('change', toggleFlash);
  $('load-more').addEventListener('click', loadMore);
  $('show-scheduled').checked = state.showScheduled;
  $('show-scheduled').addEventListener('change', toggleScheduled);
  $('error-dismiss').addEventListener('click', hideError);
  window.addEventListener('hashchange', () => showRoute());
  initFirmwarePanel();
  initConsolePanel();
  initScriptsPanel();

  connectLive({
    onState: setConnection,
    onConnect: ({ reconnected }) => {
      // The first connect needs no catch-up unless the first load failed (the service was down then).
      if (reconnected) {
        catchUp();
        // Health events missed while disconnected are in the report.
        health?.refresh();
        settings?.refresh();
        schedules?.refresh();
        exporter?.refresh();
      } else if (!state.loaded && !syncRun) catchUp();
    },
    handlers: {
      status: applyStatus,
      'camera:status': (camera) => {
        if (camera?.health) grid.setHealth(camera.name, camera.health.state);
        health?.applyStatus(camera);
      },
      'camera:settings': (view) => settings?.apply(view),
      'schedule:change': (view) => schedules?.applyChange(view),
      'schedule:delete': (e) => schedules?.applyDelete(e),
      'health:event': (event) => {
        if (event?.type === 'state' && event.to) grid.setHealth(event.camera, event.to);
        health?.applyEvent(event);
      },
      'capture:start': ({ camera }) => {
        if (isOpen(camera) && !state.ownCapture && !streaming()) {
          state.remoteCapture = true;
          updateBusy();
          clearTimeout(state.hideProgressTimer);
          showStarting();
        }
      },
      'capture:progress': (p) => {
        if (!isOpen(p.camera) || (streaming() && !state.ownCapture && !state.remoteCapture)) return;
        clearTimeout(state.hideProgressTimer);
        showProgress(p);
      },
      'photo:new': ({ jpeg, ...photo }) => {
        // The viewer first: the photo's image starts to decode before the tiles and the export panel are touched.
        if (isOpen(photo.camera) && !(photo.schedule && !state.showScheduled)) {
          // The event brings the photo's bytes: the viewer draws it without asking the service for them.
          if (jpeg) offerPhotoBytes(photo.id, jpeg);
          addPhoto(photo);
          if (state.remoteCapture) captureFinished();
        }
        grid.setLatest(photo.camera, photo);
        if (isOpen(photo.camera)) exporter?.refresh();
      },
      'photo:deleted': ({ id, camera }) => {
        if (grid.latestId(camera) === id) refreshLatest(camera);
        if (isOpen(camera)) exporter?.refresh();
        removePhoto(id);
      },
      'capture:error': (err) => {
        if (isOpen(err.camera) && state.remoteCapture) {
          hideProgress();
          showError(err);
          captureFinished();
        }
      },
    },
  });

  await catchUp();
  document.body.dataset.ready = 'true';
}

start();

/**
 * The Live panel of a camera's view: the camera's MJPEG stream, a frame counter and the frame rate. An
 * <img src> would show the stream but could not count its frames, so the stream is read with fetch(), cut
 * into JPEGs by each part's Content-Length, and each JPEG shown through an object URL (the one before it
 * revoked, so memory stays flat however long it runs).
 *
 * The service captures for a stream only while someone watches, and each frame is a capture on the camera's
 * bus, so the stream runs only on request and stops when the view is left or the page is hidden (aborting
 * the fetch closes the connection, which is how the service learns the viewer left).
 */
import { openStream } from './api.js';
import { errorBox, errorBoxHtml } from './error-box.js';
import { MjpegFormatError, MjpegParts } from './mjpeg-parts.js';

/** The frame rate is counted over this window, so it follows changes within seconds. */
export const FPS_WINDOW_MS = 5000;
/** The rate is recomputed this often too, so a stalled stream shows its rate falling. */
const TICK_MS = 1000;

const PANEL_HTML = `
<div class="lv-head">
  <h2 id="live-heading">Live view</h2>
  <span class="lv-state" id="lv-state" data-testid="live-state" data-state="stopped" role="status">Stopped</span>
  <button type="button" class="secondary lv-toggle" id="lv-toggle" data-testid="live-toggle" aria-pressed="false">Start</button>
</div>
<p class="fw-note" id="lv-empty">Start the live view to watch this camera. Each frame is a capture, so it uses the camera's bus while it runs.</p>
<div class="lv-frame" id="lv-frame" hidden>
  <img id="lv-image" data-testid="live-image" alt="" hidden>
</div>
<dl class="lv-stats" id="lv-stats" hidden>
  <div><dt>Frames</dt><dd id="lv-frames" data-testid="live-frames">0</dd></div>
  <div><dt>Frame rate</dt><dd id="lv-fps" data-testid="live-fps">–</dd></div>
  <div><dt>Size</dt><dd id="lv-size" data-testid="live-size">–</dd></div>
</dl>
${errorBoxHtml('lv')}`;

const STATE_TEXT = {
  stopped: 'Stopped',
  connecting: 'Connecting…',
  live: 'Live',
  paused: 'Paused while the page is hidden',
  ended: 'The stream ended',
  failed: 'Not running',
};

/**
 * Frames per second over the last FPS_WINDOW_MS: the gaps between the frames in the window, stretched to
 * now when no frame came since, so a stall shows as a falling rate rather than the last good one.
 */
export function frameRate(times, now) {
  if (times.length < 2) return null;
  const first = times[0];
  const last = times.at(-1);
  const span = Math.max(now, last) - first;
  return span > 0 ? ((times.length - 1) * 1000) / span : null;
}

/** What to say when the stream fails: the service's own error, or why the page could not go on reading. */
function streamError(err) {
  if (err && typeof err === 'object' && 'code' in err) return err;
  if (err instanceof MjpegFormatError) {
    return { code: 'E_STREAM_FORMAT', message: err.message, hint: 'The service sent something other than its MJPEG stream; look at its log on the Pi.' };
  }
  return {
    code: 'E_STREAM_BROKEN',
    message: 'The live stream broke off',
    hint: 'Start it again; if it keeps breaking off, check the network and the service log on the Pi.',
  };
}

/** Returns { open(name), close(), running } for app.js. */
export function initLiveView(root = document.getElementById('live-panel')) {
  if (!root) return null;
  root.innerHTML = PANEL_HTML;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    state: $('lv-state'),
    toggle: $('lv-toggle'),
    image: $('lv-image'),
    frame: $('lv-frame'),
    stats: $('lv-stats'),
    empty: $('lv-empty'),
    frames: $('lv-frames'),
    fps: $('lv-fps'),
    size: $('lv-size'),
  };
  const errors = errorBox(root, 'lv');

  let camera = null;
  /** The running stream: its AbortController; null when stopped. */
  let run = null;
  /** Stopped because the page was hidden: starts again when it shows. */
  let resume = false;
  let frames = 0;
  let times = [];
  let url = null;
  let tick = 0;

  function setState(state) {
    root.dataset.state = state;
    ui.state.dataset.state = state;
    ui.state.textContent = STATE_TEXT[state] ?? state;
    const running = state === 'connecting' || state === 'live';
    ui.toggle.textContent = running ? 'Stop' : 'Start';
    ui.toggle.setAttribute('aria-pressed', String(running));
  }

  function showRate() {
    const now = performance.now();
    while (times.length > 2 && times[0] < now - FPS_WINDOW_MS) times.shift();
    const rate = frameRate(times, now);
    ui.fps.textContent = rate === null ? '–' : `${rate.toFixed(1)} fps`;
    ui.fps.dataset.fps = rate === null ? '' : rate.toFixed(2);
  }

  function showFrame(jpeg) {
    frames += 1;
    times.push(performance.now());
    const previous = url;
    url = URL.createObjectURL(new Blob([jpeg], { type: 'image/jpeg' }));
    ui.image.src = url;
    ui.image.hidden = false;
    // The image has moved on to the new URL; the old one would otherwise hold its frame until the page closes.
    if (previous) URL.revokeObjectURL(previous);
    ui.frames.textContent = String(frames);
    showRate();
  }

  ui.image.addEventListener('load', () => {
    ui.size.textContent = `${ui.image.naturalWidth}×${ui.image.naturalHeight}`;
  });

  async function start() {
    if (run || camera === null) return;
    const controller = new AbortController();
    run = controller;
    resume = false;
    frames = 0;
    times = [];
    ui.frames.textContent = '0';
    ui.fps.textContent = '–';
    errors.hide();
    // The frame's place opens when the view starts (the last frame stays after a stop); folded before.
    ui.frame.hidden = false;
    ui.stats.hidden = false;
    ui.empty.hidden = true;
    setState('connecting');
    clearInterval(tick);
    tick = setInterval(showRate, TICK_MS);
    try {
      const res = await openStream(camera, controller.signal);
      setState('live');
      const reader = res.body.getReader();
      const parts = new MjpegParts();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const jpeg of parts.push(value)) showFrame(jpeg);
      }
      if (run === controller) setState('ended');
    } catch (err) {
      if (controller.signal.aborted) return;
      errors.show(streamError(err));
      setState('failed');
    } finally {
      if (run === controller) {
        run = null;
        clearInterval(tick);
        showRate();
      }
    }
  }

  /** Ends the stream; `state` says why, for the panel. */
  function stop(state = 'stopped') {
    if (run) {
      const controller = run;
      run = null;
      controller.abort();
    }
    clearInterval(tick);
    setState(state);
  }

  function clearPicture() {
    ui.frame.hidden = true;
    ui.image.hidden = true;
    ui.stats.hidden = true;
    ui.image.removeAttribute('src');
    if (url) URL.revokeObjectURL(url);
    url = null;
    ui.empty.hidden = false;
    ui.size.textContent = '–';
    ui.frames.textContent = '0';
    ui.fps.textContent = '–';
    ui.fps.dataset.fps = '';
  }

  ui.toggle.addEventListener('click', () => {
    if (run) stop();
    else void start();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && run) {
      stop('paused');
      resume = true;
    } else if (document.visibilityState === 'visible' && resume) {
      void start();
    }
  });
  // Closing or leaving the page ends the fetch too, but not always at once (bfcache); this does.
  window.addEventListener('pagehide', () => stop());

  setState('stopped');
  return {
    /** A camera's view opened: a stream of another camera stops. */
    open(name) {
      if (name === camera) return;
      stop();
      resume = false;
      camera = name;
      clearPicture();
      errors.hide();
      ui.image.alt = `Live view of camera ${name}`;
    },
    /** The grid is shown: nothing streams. */
    close() {
      stop();
      resume = false;
      camera = null;
      clearPicture();
    },
    get running() {
      return run !== null;
    },
  };
}

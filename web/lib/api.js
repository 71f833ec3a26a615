/**
 * Calls to the service's JSON API. Every failure becomes an ApiError carrying the service's
 * `{ code, message, hint }`, so the page can always show what went wrong and what to do about it.
 */
export class ApiError extends Error {
  constructor({ code, message, hint }) {
    super(message);
    this.code = code;
    this.hint = hint ?? '';
  }
}

export const E_OFFLINE = 'E_OFFLINE';

const UNREACHABLE = {
  code: E_OFFLINE,
  message: 'Cannot reach the esp32cam service',
  hint: 'Check that "esp32cam serve" is still running on the Pi and that this device is on the same network.',
};

/** One HTTP call to the service: its JSON answer, or an ApiError with the service's code, message and hint. */
export async function send(path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(UNREACHABLE);
  }
  if (res.status === 401) toSignIn();
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw failure(res, data);
  return data;
}

/** The ApiError for a refused request, from the service's `{ error }` body when it sent one. */
function failure(res, data) {
  const err = data && typeof data === 'object' && data.error;
  return new ApiError(
    err && err.message
      ? err
      : {
          code: `HTTP_${res.status}`,
          message: `The service answered ${res.status} ${res.statusText}`.trim(),
          hint: 'Try again; if it keeps failing, look at the service log on the Pi.',
        },
  );
}

/** The token was rotated or the cookie expired: the page itself now answers with the sign-in form. */
export function toSignIn() {
  window.location.assign('/');
}

/** After a refused socket.io handshake: sends the page to sign in when the cause is the token. */
export async function checkSignedIn() {
  try {
    const res = await fetch('/api/status', { headers: { accept: 'application/json' } });
    if (res.status === 401) toSignIn();
  } catch {
    // Offline: socket.io keeps trying and the page says so.
  }
}

function request(method, path, body) {
  return send(path, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const cameraPath = (camera, tail) => `/api/cameras/${encodeURIComponent(camera)}${tail}`;

export const getStatus = () => request('GET', '/api/status');
export const capture = (camera) => request('POST', cameraPath(camera, '/capture'));
export const setLed = (camera, on) => request('POST', cameraPath(camera, '/led'), { on });
export const deletePhoto = (id) => request('DELETE', `/api/photos/${encodeURIComponent(id)}`);
/** One camera's health report: state, board facts, counters and recent events (GET /api/cameras/:name/health). */
export const getHealth = (camera) => request('GET', cameraPath(camera, '/health'));
/** Injects a fault into a simulated camera: `{ kind, seconds?, count?, cause? }`. */
export const simFault = (camera, fault) => request('POST', cameraPath(camera, '/sim-fault'), fault);

/** One camera's photos, newest first; `scheduled` is show, hide or only (the photos schedules took). */
export function listPhotos({ camera, limit = 20, before, scheduled } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before) q.set('before', before);
  if (scheduled) q.set('scheduled', scheduled);
  return request('GET', `${cameraPath(camera, '/photos')}?${q}`);
}

/**
 * Opens a camera's live MJPEG stream: the Response, whose body the caller reads until it aborts `signal`.
 * Same-origin, so the session cookie goes with it as with every other call. A full stream (E_STREAM_FULL)
 * or any other refusal becomes an ApiError.
 */
export async function openStream(camera, signal) {
  let res;
  try {
    res = await fetch(cameraPath(camera, '/stream'), { signal, cache: 'no-store', credentials: 'same-origin' });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(UNREACHABLE);
  }
  if (res.status === 401) toSignIn();
  if (!res.ok) throw failure(res, await res.json().catch(() => null));
  return res;
}

/** `{ camera, wanted, applied, appliedAt, supported, lastError, flash }` */
export const getSettings = (camera) => request('GET', cameraPath(camera, '/settings'));
/** Protocol 2's settings table, the same for every camera: `{ settings, frameSizes }`. */
export const getSettingsSpec = () => request('GET', '/api/settings/spec');
/** Settings by name (numbers), and/or `flash`; answers the new view. */
export const putSettings = (camera, change) => request('PUT', cameraPath(camera, '/settings'), change);

export const listSchedules = (camera) => request('GET', cameraPath(camera, '/schedules'));
export const createSchedule = (camera, schedule) => request('POST', cameraPath(camera, '/schedules'), schedule);
export const updateSchedule = (camera, id, change) => request('PUT', cameraPath(camera, `/schedules/${encodeURIComponent(id)}`), change);
export const deleteSchedule = (camera, id) => request('DELETE', cameraPath(camera, `/schedules/${encodeURIComponent(id)}`));

/** `{ from, to, schedule }` as a query; empty values are left out so the service's defaults apply. */
function exportQuery(range, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...range, ...extra })) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}
/** What an export of that range would hold: `{ count, bytes, first, last, mp4, hint? }`. */
export const exportPreview = (camera, range) => request('GET', `${cameraPath(camera, '/export')}?${exportQuery(range)}`);
export const exportZipUrl = (camera, range) => `${cameraPath(camera, '/export.zip')}?${exportQuery(range)}`;
export const exportMp4Url = (camera, range, fps) => `${cameraPath(camera, '/export.mp4')}?${exportQuery(range, { fps })}`;

/** The download link is built here, not taken from the record, so it always asks for an attachment. */
export const downloadUrl = (photo) => `/api/photos/${encodeURIComponent(photo.id)}/jpeg?download=1`;
export const jpegUrl = (photo) => photo.urls?.jpeg ?? `/api/photos/${encodeURIComponent(photo.id)}/jpeg`;
export const thumbUrl = (photo) => photo.urls?.thumb ?? `/api/photos/${encodeURIComponent(photo.id)}/thumb`;

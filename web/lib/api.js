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
  if (!res.ok) {
    const err = data && typeof data === 'object' && data.error;
    throw new ApiError(
      err && err.message
        ? err
        : {
            code: `HTTP_${res.status}`,
            message: `The service answered ${res.status} ${res.statusText}`.trim(),
            hint: 'Try again; if it keeps failing, look at the service log on the Pi.',
          },
    );
  }
  return data;
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

/** One camera's photos, newest first. */
export function listPhotos({ camera, limit = 20, before } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before) q.set('before', before);
  return request('GET', `${cameraPath(camera, '/photos')}?${q}`);
}

/** The download link is built here, not taken from the record, so it always asks for an attachment. */
export const downloadUrl = (photo) => `/api/photos/${encodeURIComponent(photo.id)}/jpeg?download=1`;
export const jpegUrl = (photo) => photo.urls?.jpeg ?? `/api/photos/${encodeURIComponent(photo.id)}/jpeg`;
export const thumbUrl = (photo) => photo.urls?.thumb ?? `/api/photos/${encodeURIComponent(photo.id)}/thumb`;

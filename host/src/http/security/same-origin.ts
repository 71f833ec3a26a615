import type { IncomingMessage } from 'node:http';
import { authorityOf } from './host-names.js';

/** Methods that only read; everything else acts. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * GET routes that act all the same: `/capture` takes a photo (and stores one with `?store=1`), a live
 * stream keeps the camera capturing for as long as it is open, and CameraWebServer's `/control` changes a
 * camera's settings. A camera's MP4 export is a read, but one that keeps ffmpeg busy for minutes, and only one
 * runs at a time: another site's page must not be able to start one or hold that place.
 */
const ACTING_GET_PATHS = new Set(['/capture', '/stream', '/control']);
const CAMERA_STREAM = /^\/api\/cameras\/[^/]+\/(?:stream|export\.mp4)$/;

export function acts(method: string, path: string): boolean {
  // The router matches paths regardless of case and of one trailing slash: so must this check, or
  // `/Control/` would act unchecked.
  const routed = path.toLowerCase().replace(/(.)\/$/, '$1');
  return !SAFE_METHODS.has(method.toUpperCase()) || ACTING_GET_PATHS.has(routed) || CAMERA_STREAM.test(routed);
}

/**
 * Why a browser request comes from another site, or undefined when it does not (or is no browser's).
 * `Sec-Fetch-Site` is the browser's own verdict; `Origin` is checked against `Host` for browsers that send
 * no fetch metadata. Neither header means a client that is not a browser (curl, Home Assistant, scripts),
 * which a web page cannot impersonate.
 */
export function crossOriginReason(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site is ${site}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (origin === 'null') return 'the Origin is null (a sandboxed frame or a local file)';
  let originAuthority: string;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the Origin ${origin} is not a web page`;
    originAuthority = url.host.toLowerCase();
  } catch {
    return 'the Origin header is malformed';
  }
  const host = req.headers.host === undefined ? undefined : authorityOf(req.headers.host);
  return originAuthority === host ? undefined : `the Origin ${origin} is not this service`;
}

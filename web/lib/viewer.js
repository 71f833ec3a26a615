import { downloadUrl, jpegUrl } from './api.js';
import { formatBytes, formatDuration, formatTakenLong } from './format.js';

const $ = (id) => document.getElementById(id);

/**
 * The photo announced last, as a data: URL of the JPEG that `photo:new` carried, so the viewer draws a new
 * photo without a request of its own. A data: URL, not a Blob's object URL: Chromium decodes it in the page,
 * where an object URL is fetched through the browser process, which took several milliseconds more per photo,
 * and the base64 needs no decoding into bytes first. Only the newest is held; the service's URL serves every other.
 */
let arrived = null;

/** Keeps the announced photo's JPEG (base64) for the viewer, in place of the one announced before. */
export function offerPhotoBytes(id, base64) {
  arrived = { id, url: `data:image/jpeg;base64,${base64}` };
}

function setSource(img, src) {
  if (src === null) img.removeAttribute('src');
  else img.src = src;
}

/** The large photo at the top: the newest one, or the one picked in the gallery. */
export function showPhoto(photo) {
  const figure = $('latest-photo');
  const img = $('latest-image');
  const meta = $('latest-meta');
  figure.dataset.id = photo ? photo.id : '';
  $('latest-empty').hidden = Boolean(photo);
  $('latest-open').hidden = !photo;
  meta.hidden = !photo;
  if (!photo) {
    setSource(img, null);
    return;
  }
  const taken = formatTakenLong(photo.takenAt);
  if (photo.width && photo.height) {
    img.width = photo.width;
    img.height = photo.height;
  }
  setSource(img, arrived?.id === photo.id ? arrived.url : jpegUrl(photo));
  $('latest-open').href = jpegUrl(photo);
  $('latest-open').title = 'Open the full-size photo';
  img.alt = `Photo taken ${taken}`;
  const time = $('latest-time');
  time.dateTime = photo.takenAt;
  time.textContent = taken;
  $('latest-dims').textContent = photo.width && photo.height ? `${photo.width}×${photo.height}` : '';
  $('latest-size').textContent = formatBytes(photo.size);
  $('latest-duration').textContent = Number.isFinite(photo.captureMs) ? `captured in ${formatDuration(photo.captureMs)}` : '';
  const link = $('latest-download');
  link.href = downloadUrl(photo);
  link.setAttribute('download', `${photo.id}.jpg`);
}

export const shownPhotoId = () => $('latest-photo').dataset.id || null;

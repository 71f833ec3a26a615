import { downloadUrl, jpegUrl } from './api.js';
import { formatBytes, formatDuration, formatTakenLong } from './format.js';

const $ = (id) => document.getElementById(id);

/**
 * The bytes of the photo announced last, as an object URL: `photo:new` carries them, so the viewer draws a
 * new photo without a request of its own. Only the newest is held; the service's URL serves every other.
 */
let arrived = null;

/** Keeps the announced photo's bytes (base64) for the viewer; the previous photo's go, unless the viewer shows them. */
export function offerPhotoBytes(id, base64) {
  if (arrived && !isShown(arrived.url)) URL.revokeObjectURL(arrived.url);
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  arrived = { id, url: URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' })) };
}

const isShown = (url) => $('latest-image').getAttribute('src') === url;

/** Points the viewer at `src`, letting go of an object URL it showed before unless it is still the held one. */
function setSource(img, src) {
  const before = img.getAttribute('src');
  if (src === null) img.removeAttribute('src');
  else img.src = src;
  if (before?.startsWith('blob:') && before !== src && before !== arrived?.url) URL.revokeObjectURL(before);
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

import { downloadUrl, jpegUrl } from './api.js';
import { formatBytes, formatDuration, formatTakenLong } from './format.js';

const $ = (id) => document.getElementById(id);

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
    img.removeAttribute('src');
    return;
  }
  const taken = formatTakenLong(photo.takenAt);
  if (photo.width && photo.height) {
    img.width = photo.width;
    img.height = photo.height;
  }
  img.src = jpegUrl(photo);
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

import { downloadUrl, thumbUrl } from './api.js';
import { formatBytes, formatTaken, formatTakenLong } from './format.js';

/**
 * Newest first, in the service's own order: its ids sort by time as plain strings, and `before=<id>` pages by
 * that same comparison, so sorting by id keeps live additions and loaded pages consistent even if the
 * Pi's clock stepped back between two photos.
 */
const newerFirst = (a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The thumbnail list, newest first. Photos arrive from three places (a page of /api/photos, our own
 * capture's reply, and socket events from other tabs), often the same photo twice, so it is keyed by id.
 */
export class Gallery {
  /**
   * @param {HTMLUListElement} list
   * @param {{ onOpen(photo): void, onDelete(photo): void }} actions
   */
  constructor(list, actions) {
    this.list = list;
    this.actions = actions;
    this.photos = [];
    this.items = new Map();
    this.next = null;
    this.total = 0;
  }

  has(id) {
    return this.items.has(id);
  }
  newest() {
    return this.photos[0] ?? null;
  }
  get size() {
    return this.photos.length;
  }

  /** Replaces everything with the first page of the server's list. */
  reset(page) {
    this.photos = [];
    this.items.clear();
    this.list.replaceChildren();
    this.appendPage(page);
  }

  appendPage(page) {
    for (const photo of page.items) this.add(photo);
    this.next = page.next ?? null;
    this.total = page.total ?? this.photos.length;
  }

  /** Where "load more" continues. The server's cursor, unless that photo was deleted meanwhile. */
  cursor() {
    if (this.next === null) return null;
    return this.has(this.next) ? this.next : (this.photos.at(-1)?.id ?? null);
  }

  /** Returns false if the photo was already shown. */
  add(photo) {
    if (this.items.has(photo.id)) return false;
    let at = this.photos.findIndex((p) => newerFirst(photo, p) < 0);
    if (at < 0) at = this.photos.length;
    this.photos.splice(at, 0, photo);
    const li = this.renderItem(photo);
    this.items.set(photo.id, li);
    this.list.insertBefore(li, this.list.children[at] ?? null);
    return true;
  }

  remove(id) {
    const li = this.items.get(id);
    if (!li) return false;
    li.remove();
    this.items.delete(id);
    this.photos = this.photos.filter((p) => p.id !== id);
    return true;
  }

  /** Marks the photo shown in the large viewer. */
  select(id) {
    for (const [key, li] of this.items) li.toggleAttribute('aria-current', key === id);
  }

  renderItem(photo) {
    const li = document.createElement('li');
    li.className = 'tile';
    li.setAttribute('data-testid', 'gallery-item');
    li.dataset.id = photo.id;

    const taken = formatTakenLong(photo.takenAt);
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'tile-open';
    open.setAttribute('aria-label', `Show photo taken ${taken}`);
    const img = document.createElement('img');
    img.src = thumbUrl(photo);
    img.alt = '';
    img.loading = 'lazy';
    img.decoding = 'async';
    if (photo.width && photo.height) {
      img.width = photo.width;
      img.height = photo.height;
    }
    open.append(img);
    open.addEventListener('click', () => this.actions.onOpen(photo));

    const time = document.createElement('time');
    time.className = 'tile-time';
    time.dateTime = photo.takenAt;
    time.title = taken;
    time.textContent = formatTaken(photo.takenAt);
    const size = document.createElement('span');
    size.className = 'tile-size';
    size.textContent = formatBytes(photo.size);

    const actions = document.createElement('div');
    actions.className = 'tile-actions';
    const download = document.createElement('a');
    download.className = 'icon-button';
    download.href = downloadUrl(photo);
    download.setAttribute('download', `${photo.id}.jpg`);
    download.setAttribute('data-testid', 'download-link');
    download.setAttribute('aria-label', `Download photo taken ${taken}`);
    download.title = 'Download';
    download.append(icon('M12 3v10.6l3.3-3.3 1.4 1.4L12 16.4l-4.7-4.7 1.4-1.4 3.3 3.3V3h2ZM5 19h14v2H5v-2Z'));
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'icon-button danger-text';
    del.setAttribute('data-testid', 'delete-button');
    del.setAttribute('aria-label', `Delete photo taken ${taken}`);
    del.title = 'Delete';
    del.append(icon('M9 3h6l1 2h4v2H4V5h4l1-2Zm-3 6h12l-1 12H7L6 9Zm4 2v8h2v-8h-2Zm3 0v8h2v-8h-2Z'));
    del.addEventListener('click', () => this.actions.onDelete(photo));
    actions.append(download, del);

    li.append(open, time, size, actions);
    if (photo.schedule) {
      // A timelapse photo says so on its thumbnail, so a gallery showing both kinds can be told apart.
      li.dataset.schedule = photo.schedule;
      li.classList.add('tile-scheduled');
      const tag = document.createElement('span');
      tag.className = 'tile-tag';
      tag.setAttribute('data-testid', 'scheduled-tag');
      tag.textContent = 'Timelapse';
      tag.title = `Taken by the schedule "${photo.schedule}"`;
      open.append(tag);
      open.setAttribute('aria-label', `Show timelapse photo taken ${taken} (schedule ${photo.schedule})`);
    }
    return li;
  }
}

function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

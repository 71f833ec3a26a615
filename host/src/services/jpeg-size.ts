import { Esp32CamError } from '../errors.js';

/**
 * Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC), which share the range but hold no
 * frame header (ITU-T T.81, table B.1).
 */
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Markers that stand alone, without a length: RST0–7, TEM (T.81, B.1.1.3). */
const standsAlone = (marker: number): boolean => (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01;

const SOS = 0xda;
const EOI = 0xd9;

function notAJpeg(reason: string): Esp32CamError {
  return new Esp32CamError(
    'E_INVALID_JPEG',
    `The photo is not a readable JPEG: ${reason}`,
    'Take the photo again; if it keeps happening, check the camera ribbon cable.',
  );
}

/**
 * Width and height from the JPEG's frame header, walking the marker segments up to the first SOF. Reading
 * a few dozen bytes is enough: the photo is shown before anything decodes it (the thumbnail comes after).
 * Anything that is not a JPEG with a frame header before its scan is E_INVALID_JPEG.
 */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw notAJpeg('it does not start with the SOI marker FF D8');
  let at = 2;
  while (at < jpeg.length) {
    if (jpeg[at] !== 0xff) throw notAJpeg(`expected a marker at byte ${at}`);
    // Any number of FF fill bytes may come before a marker (T.81, B.1.1.2).
    while (at < jpeg.length && jpeg[at] === 0xff) at++;
    if (at >= jpeg.length) break;
    const marker = jpeg[at++];
    if (standsAlone(marker)) continue;
    if (marker === SOS || marker === EOI) throw notAJpeg('it has no frame header before its image data');
    if (at + 2 > jpeg.length) break;
    const length = (jpeg[at] << 8) | jpeg[at + 1];
    if (length < 2) throw notAJpeg(`a segment at byte ${at} has length ${length}`);
    if (isStartOfFrame(marker)) {
      // Length, precision, then height and width, each two bytes big-endian (T.81, B.2.2).
      if (length < 8 || at + 7 > jpeg.length) break;
      const height = (jpeg[at + 3] << 8) | jpeg[at + 4];
      const width = (jpeg[at + 5] << 8) | jpeg[at + 6];
      // A height of 0 would come later in a DNL segment; no camera sends that, and the page needs it now.
      if (width === 0 || height === 0) throw notAJpeg(`its frame header says ${width}×${height}`);
      return { width, height };
    }
    at += length;
  }
  throw notAJpeg('it ends before its frame header');
}

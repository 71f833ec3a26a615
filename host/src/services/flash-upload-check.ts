import { inspectImage, planFlash, type ImageInspection } from '../../../protocol/src/esp-image/index.js';
import { refusalToError } from '../devices/flasher/image-check.js';
import { Esp32CamError } from '../errors.js';

/** The largest flash any ESP32 has; the board's real size is only known once the job has connected. */
const LARGEST_FLASH = 16 * 1024 * 1024;

/**
 * What can be said about an uploaded file before any board is touched: that it is an image at all, whole,
 * and that an explicit offset agrees with its layout. The image's own chip stands in for the board's here,
 * so the chip and the flash size are checked again by the job once it knows the board (E_WRONG_CHIP and
 * E_IMAGE_TOO_LARGE arrive as the job's failure).
 */
export function checkUpload(image: Uint8Array, opts: { offset: 'auto' | number; force: boolean; maxBytes: number }): ImageInspection {
  if (image.length > opts.maxBytes) {
    throw new Esp32CamError(
      'E_IMAGE_TOO_LARGE',
      `The file is ${image.length} bytes, more than the ${opts.maxBytes} bytes a flash job takes (limits.firmwareBytes)`,
      'Check that this is a firmware image (a .bin), not an archive or a disk image.',
    );
  }
  const inspection = inspectImage(image);
  // A file with no readable layout (not an image) goes ahead only when forced at an explicit offset, as in esptool.
  const plan = planFlash(inspection, {
    chip: inspection.ok ? inspection.chip : 'esp32',
    offset: opts.offset,
    flashSize: LARGEST_FLASH,
    force: opts.force,
  });
  if (!plan.ok) throw refusalToError(plan);
  return inspection;
}

/**
 * The flasher's gate: a firmware file is inspected and planned (protocol/src/esp-image) before a single
 * byte goes to the board, and a refusal becomes the project's typed error.
 */
import { Esp32CamError } from '../../errors.js';
import { inspectImage, planFlash, type ImageInspection, type ImageRefusal, type PlanOptions } from '../../../../protocol/src/esp-image/index.js';

export interface CheckedFirmware {
  inspection: ImageInspection;
  offset: number;
  length: number;
  /** Refusals that `force` let through, to be shown to the user before writing. */
  warnings: Esp32CamError[];
}

export function refusalToError(refusal: ImageRefusal): Esp32CamError {
  return new Esp32CamError(refusal.code, refusal.message, refusal.hint);
}

/**
 * Where `bytes` go on this board, or an Esp32CamError (E_BAD_IMAGE, E_WRONG_CHIP, E_WRONG_OFFSET, E_IMAGE_TOO_LARGE).
 * `inspection` is `inspectImage(bytes)` when the caller made it already: it hashes every image in the file.
 */
export function checkFirmware(bytes: Uint8Array, options: PlanOptions, inspection: ImageInspection = inspectImage(bytes)): CheckedFirmware {
  const plan = planFlash(inspection, options);
  if (!plan.ok) throw refusalToError(plan);
  return { inspection, offset: plan.offset, length: plan.length, warnings: plan.warnings.map(refusalToError) };
}

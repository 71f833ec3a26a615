/**
 * How the page shows each camera setting. The settings themselves (names, ranges, the names of values, the
 * frame sizes and which need PSRAM) are protocol 2's, and the service hands them over at
 * GET /api/settings/spec: the page has no build step to import protocol/src/v2.ts, and one table is kept.
 */

const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/**
 * Each setting's label, control (`select`, `range` for a slider, `steps` for a row of buttons, `toggle`), and
 * its value after a boot when that does not depend on the script's camconfig (null: it does, so the page
 * cannot know it before the board reports it).
 */
const CONTROLS = {
  framesize: { label: 'Frame size', control: 'select', boot: null },
  quality: { label: 'JPEG quality', note: 'Lower is better and larger', control: 'range', boot: null },
  brightness: { label: 'Brightness', control: 'steps', format: signed, boot: 0 },
  contrast: { label: 'Contrast', control: 'steps', format: signed, boot: 0 },
  saturation: { label: 'Saturation', control: 'steps', format: signed, boot: 0 },
  vflip: { label: 'Flip vertically', control: 'toggle', boot: 0 },
  hmirror: { label: 'Mirror', control: 'toggle', boot: 0 },
  special_effect: { label: 'Effect', control: 'select', boot: 0 },
  wb_mode: { label: 'White balance', control: 'select', boot: 0 },
};

/** A frame size as its option reads: `SVGA (800×600), needs PSRAM`. */
const frameSizeText = (f) => `${f.name} (${f.width}×${f.height})${f.needsPsram ? ', needs PSRAM' : ''}`;

/**
 * The panel's settings from the service's spec, in its order: each with its name, range, control and the
 * words of its values. A setting this page does not know (a newer service) is offered as a plain select.
 */
export function settingsFromSpec(spec) {
  return spec.settings.map((s) => {
    const shown = CONTROLS[s.name] ?? { label: s.name, control: 'select', boot: null };
    const spelled = s.name === 'framesize' ? spec.frameSizes.map(frameSizeText) : s.labels;
    const options = shown.control === 'select' ? (spelled ?? numbers(s.min, s.max)) : undefined;
    return { name: s.name, min: s.min, max: s.max, ...shown, ...(options ? { options } : {}) };
  });
}

function numbers(min, max) {
  const out = [];
  for (let v = min; v <= max; v += 1) out.push(String(v));
  return out;
}

/** The host's flash mode for photos that do not choose their own. */
export const FLASH_MODES = [
  { value: 'off', label: 'Off' },
  { value: 'on', label: 'On' },
  { value: 'auto', label: 'Auto (when dark)' },
];

/** A value's words, for the field's status line. */
export function valueText(spec, value) {
  if (spec.options) return spec.options[value - spec.min]?.replace(/ \(.*$/, '') ?? String(value);
  if (spec.control === 'toggle') return value ? 'On' : 'Off';
  if (spec.format) return spec.format(value);
  return String(value);
}

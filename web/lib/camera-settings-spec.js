/**
 * The camera settings the page offers, with the control that fits each. Names, ranges and numbers are
 * protocol 2's SETTINGS (protocol/src/v2.ts, protocol/README.md), which are esp32-camera's and
 * CameraWebServer's; the page has no build step to import them, and a test compares the two tables.
 */

/** esp32-camera's framesize_t, in enum order, up to UXGA (the OV2640's largest). */
export const FRAME_SIZES = [
  { name: '96X96', width: 96, height: 96 },
  { name: 'QQVGA', width: 160, height: 120 },
  { name: 'QCIF', width: 176, height: 144 },
  { name: 'HQVGA', width: 240, height: 176 },
  { name: '240X240', width: 240, height: 240 },
  { name: 'QVGA', width: 320, height: 240 },
  { name: 'CIF', width: 400, height: 296 },
  { name: 'HVGA', width: 480, height: 320 },
  { name: 'VGA', width: 640, height: 480 },
  { name: 'SVGA', width: 800, height: 600 },
  { name: 'XGA', width: 1024, height: 768 },
  { name: 'HD', width: 1280, height: 720 },
  { name: 'SXGA', width: 1280, height: 1024 },
  { name: 'UXGA', width: 1600, height: 1200 },
];

/** Sizes above VGA need the frame buffer in PSRAM, which the slave script refuses without it. */
const PSRAM_ABOVE = 8;

const EFFECTS = ['None', 'Negative', 'Grayscale', 'Red tint', 'Green tint', 'Blue tint', 'Sepia'];
const WHITE_BALANCE = ['Auto', 'Sunny', 'Cloudy', 'Office', 'Home'];

const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/**
 * Each setting: its label, range, control (`select`, `range` for a slider, `steps` for a row of buttons,
 * `toggle`), the labels of its values, and its value after a boot when that does not depend on the
 * script's camconfig (null: it does, so the page cannot know it before the board reports it).
 */
export const SETTINGS = [
  {
    name: 'framesize',
    label: 'Frame size',
    min: 0,
    max: 13,
    control: 'select',
    options: FRAME_SIZES.map((f, i) => `${f.name} (${f.width}×${f.height})${i > PSRAM_ABOVE ? ', needs PSRAM' : ''}`),
    boot: null,
  },
  {
    name: 'quality',
    label: 'JPEG quality',
    note: 'Lower is better and larger',
    min: 10,
    max: 63,
    control: 'range',
    boot: null,
  },
  { name: 'brightness', label: 'Brightness', min: -2, max: 2, control: 'steps', format: signed, boot: 0 },
  { name: 'contrast', label: 'Contrast', min: -2, max: 2, control: 'steps', format: signed, boot: 0 },
  { name: 'saturation', label: 'Saturation', min: -2, max: 2, control: 'steps', format: signed, boot: 0 },
  { name: 'vflip', label: 'Flip vertically', min: 0, max: 1, control: 'toggle', boot: 0 },
  { name: 'hmirror', label: 'Mirror', min: 0, max: 1, control: 'toggle', boot: 0 },
  { name: 'special_effect', label: 'Effect', min: 0, max: 6, control: 'select', options: EFFECTS, boot: 0 },
  { name: 'wb_mode', label: 'White balance', min: 0, max: 4, control: 'select', options: WHITE_BALANCE, boot: 0 },
];

/** The host's flash mode for photos that do not choose their own. */
export const FLASH_MODES = [
  { value: 'off', label: 'Off' },
  { value: 'on', label: 'On' },
  { value: 'auto', label: 'Auto (when dark)' },
];

/** A value's words, for the field's status line. */
export function valueText(spec, value) {
  if (spec.options) return spec.options[value]?.replace(/ \(.*$/, '') ?? String(value);
  if (spec.control === 'toggle') return value ? 'On' : 'Off';
  if (spec.format) return spec.format(value);
  return String(value);
}

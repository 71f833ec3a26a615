import { v2 } from '../../../protocol/src/index.js';
import { Esp32CamError } from '../errors.js';
import type { FlashMode } from '../services/cameras/index.js';
import type { CameraSettingsView } from '../services/settings/index.js';

/**
 * CameraWebServer's `led_intensity` is an 8-bit LEDC duty (its CONFIG_LED_MAX_INTENSITY is 255). freshev
 * drives GPIO 4 as a plain pin, so the duty is folded onto the camera's flash mode: 0 is off, anything
 * above is on.
 */
export const LED_MAX = 255;
export const LED_VARIABLE = 'led_intensity';

/** The settings CameraWebServer's `/status` prints that freshev can set, in the order it prints them. */
const STATUS_ORDER: readonly v2.SettingName[] = [
  'framesize',
  'quality',
  'brightness',
  'contrast',
  'saturation',
  'special_effect',
  'wb_mode',
  'hmirror',
  'vflip',
];

/**
 * CameraWebServer's other variables (its `/status` and `/control`): the OV2640 has them, freshev's camera
 * module has no setter for them, so a client asking for one learns that rather than "unknown".
 */
const NOT_SETTABLE = new Set([
  'sharpness',
  'awb',
  'awb_gain',
  'aec',
  'aec2',
  'ae_level',
  'aec_value',
  'agc',
  'agc_gain',
  'gainceiling',
  'bpc',
  'wpc',
  'raw_gma',
  'lenc',
  'dcw',
  'colorbar',
  'face_detect',
  'face_enroll',
  'face_recognize',
]);

export type CwsStatus = Partial<Record<v2.SettingName | typeof LED_VARIABLE, number>>;

/** What one `/control` asks for: a camera setting, or the flash mode. */
export type CwsControl = { setting: v2.SettingName; value: number } | { flash: FlashMode };

/**
 * A camera's settings under CameraWebServer's names and numbers. The settings are what the board holds; a
 * board that cannot say (a legacy slave) has only the LED. `auto` flash reads as 255: the LED may light
 * for a photo, which is what a client reading a duty above 0 should assume.
 */
export function cwsStatus(view: CameraSettingsView): CwsStatus {
  const status: CwsStatus = {};
  for (const name of STATUS_ORDER) {
    const value = view.applied?.[name];
    if (value !== undefined) status[name] = value;
  }
  status[LED_VARIABLE] = view.flash === 'off' ? 0 : LED_MAX;
  return status;
}

function describeVariables(): string {
  const settings = STATUS_ORDER.map((name) => `${name} ${v2.SETTINGS[name].min}..${v2.SETTINGS[name].max}`);
  return `${[...settings, `${LED_VARIABLE} 0..${LED_MAX}`].join(', ')}; framesize is esp32-camera's framesize_t (${v2.FRAME_SIZES.map((f, i) => `${i} ${f.name}`).join(', ')})`;
}

const usage = (): string => `Use e.g. /control?var=framesize&val=8. The variables are ${describeVariables()}.`;

function oneValue(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined) throw new Esp32CamError('E_BAD_INPUT', `GET /control needs ?var=NAME&val=N; ${what} is missing`, usage());
  throw new Esp32CamError('E_BAD_INPUT', `GET /control takes ${what} once`, usage());
}

/** A whole number as CameraWebServer's clients write one; frame sizes may also be named (VGA). */
function parseValue(name: string, text: string, range: { min: number; max: number }): number {
  const trimmed = text.trim();
  let value: number | undefined;
  if (/^[+-]?\d{1,6}$/.test(trimmed)) value = Number(trimmed);
  else if (name === 'framesize') value = v2.frameSizeNumber(trimmed);
  const rangeText = `${name} takes a whole number from ${range.min} to ${range.max}`;
  if (value === undefined) {
    throw new Esp32CamError('E_BAD_INPUT', `val "${text.slice(0, 32)}" is not a whole number`, `${rangeText}. ${usage()}`);
  }
  if (value < range.min || value > range.max) {
    throw new Esp32CamError('E_BAD_INPUT', `${name} ${value} is out of range`, `${rangeText}. ${usage()}`);
  }
  return value;
}

/** Reads `?var=NAME&val=N` into what to change; E_BAD_INPUT naming what is wrong otherwise. */
export function cwsControl(query: { var?: unknown; val?: unknown }): CwsControl {
  const name = oneValue(query.var, 'var');
  const text = oneValue(query.val, 'val');
  if (name === LED_VARIABLE) return { flash: parseValue(name, text, { min: 0, max: LED_MAX }) > 0 ? 'on' : 'off' };
  if (Object.hasOwn(v2.SETTINGS, name)) {
    const setting = name as v2.SettingName;
    return { setting, value: parseValue(name, text, v2.SETTINGS[setting]) };
  }
  const shown = name.slice(0, 32);
  if (NOT_SETTABLE.has(name)) {
    throw new Esp32CamError(
      'E_BAD_INPUT',
      `${shown} is a CameraWebServer variable this camera cannot set: freshev's camera module has no setter for it`,
      usage(),
    );
  }
  throw new Esp32CamError('E_BAD_INPUT', `Unknown variable "${shown}"`, usage());
}

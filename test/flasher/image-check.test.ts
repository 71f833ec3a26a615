import { describe, expect, it } from 'vitest';
import { Esp32CamError } from '../../host/src/errors.js';
import { checkFirmware } from '../../host/src/devices/flasher/image-check.js';
import { chipFromLabel } from '../../protocol/src/esp-image/index.js';
import { bootloader, mergedImage } from './image-builders.js';

const MB4 = 4 << 20;

function thrown(fn: () => unknown): Esp32CamError {
  try {
    fn();
  } catch (err) {
    if (err instanceof Esp32CamError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('checkFirmware', () => {
  it('plans a merged image at 0x0', () => {
    const file = mergedImage();
    const checked = checkFirmware(file, { chip: 'esp32', offset: 'auto', flashSize: MB4 });
    expect(checked).toMatchObject({ offset: 0, length: file.length, warnings: [] });
  });

  it('turns each refusal into an Esp32CamError with its code, message and hint', () => {
    const wrongChip = thrown(() => checkFirmware(mergedImage(), { chip: 'esp8266', offset: 'auto', flashSize: MB4 }));
    expect(wrongChip.toJSON()).toEqual({
      code: 'E_WRONG_CHIP',
      message: 'This firmware is built for the ESP32, but the board is an ESP8266',
      hint: 'Download the firmware built for the ESP8266; an ESP32 image would leave the board unable to boot.',
    });
    expect(thrown(() => checkFirmware(new Uint8Array(0), { chip: 'esp32', offset: 'auto', flashSize: MB4 })).code).toBe('E_BAD_IMAGE');
    expect(thrown(() => checkFirmware(mergedImage(), { chip: 'esp32', offset: 0x1000, flashSize: MB4 })).code).toBe('E_WRONG_OFFSET');
    expect(thrown(() => checkFirmware(mergedImage(), { chip: 'esp32', offset: 'auto', flashSize: 0x10000 })).code).toBe('E_IMAGE_TOO_LARGE');
  });

  it('returns forced refusals as warnings', () => {
    const checked = checkFirmware(bootloader(9), { chip: 'esp32', offset: 'auto', flashSize: MB4, force: true });
    expect(checked.warnings.map((w) => w.code)).toEqual(['E_WRONG_CHIP']);
  });

  it("maps esptool-js's chip names to ours", () => {
    expect(chipFromLabel('ESP32')).toBe('esp32');
    expect(chipFromLabel('ESP32-S3')).toBe('esp32s3');
    expect(chipFromLabel('ESP8266')).toBe('esp8266');
    expect(chipFromLabel('ESP32-XYZ')).toBeUndefined();
  });
});

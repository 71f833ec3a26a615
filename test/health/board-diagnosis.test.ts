import { describe, expect, it } from 'vitest';
import { diagnoseLine } from '../../host/src/services/health/board-diagnosis.js';
import { BROWNOUT_TEXT, guruMeditationPanic, invalidHeaderLine, psramMissingLine, taskWatchdogPanic } from '../../host/src/sim/uart/boot-log.js';

/** What the simulated board prints for each fault (the same texts docs/hardware.md §9 sources), line by line. */
const lines = (text: string): string[] => text.split(/\r?\n/);
const diagnoses = (text: string) => lines(text).flatMap((l) => diagnoseLine(l) ?? []);

describe('diagnosis from the boot log', () => {
  it('names each fault a board prints, with a fix', () => {
    expect(diagnoses(BROWNOUT_TEXT)).toEqual([expect.objectContaining({ fault: 'brownout', hint: expect.stringMatching(/5 V supply/) })]);
    expect(diagnoses(taskWatchdogPanic(61_000)).map((d) => d.fault)).toEqual(['task-watchdog', 'backtrace']);
    const panic = diagnoses(guruMeditationPanic());
    expect(panic.map((d) => d.fault)).toEqual(['panic', 'backtrace']);
    expect(panic[0]!.reason).toBe('the firmware crashed (Guru Meditation: LoadProhibited on core 1)');
    const header = diagnoses(invalidHeaderLine(0xffffffff));
    expect(header).toEqual([expect.objectContaining({ fault: 'invalid-header', hint: expect.stringMatching(/GPIO12 is a strapping pin/) })]);
    expect(diagnoses(psramMissingLine(292))).toEqual([expect.objectContaining({ fault: 'no-psram', hint: expect.stringMatching(/lower FRAME_SIZE/) })]);
    expect(diagnoses('E (1234) camera: Camera probe failed with error 0x105(ESP_ERR_NOT_FOUND)')).toEqual([
      expect.objectContaining({
        fault: 'camera-probe',
        reason: 'the camera sensor probe failed: the sensor did not answer on its SCCB bus (ESP_ERR_NOT_FOUND)',
      }),
    ]);
    expect(diagnoses('E (1250) camera: Camera init failed with error 0x20004')[0]).toMatchObject({
      fault: 'camera-init',
      reason: 'the camera driver failed to start (0x20004)',
    });
  });

  it('passes over the lines of a healthy boot', () => {
    const healthy = 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nload:0x3fff0030,len:4540\r\nMicroPython v1.20.0 on 2023-04-26\r\n>>> ';
    expect(diagnoses(healthy)).toEqual([]);
  });
});

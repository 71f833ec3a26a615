import { describe, expect, it } from 'vitest';
import { bootLog } from '../../protocol/src/index.js';

const { recogniseBoardFault } = bootLog;

describe('lines a failing board prints', () => {
  it('recognises the brownout detector, with or without the log prefix and colours', () => {
    expect(recogniseBoardFault('Brownout detector was triggered')).toMatchObject({ kind: 'brownout' });
    expect(recogniseBoardFault('\x1b[0;31mE BOD: Brownout detector was triggered\x1b[0m\r')).toMatchObject({
      kind: 'brownout',
      line: 'E BOD: Brownout detector was triggered',
    });
  });

  it('recognises the camera probe errors with their code, an unsupported sensor, and a failed init', () => {
    expect(recogniseBoardFault('E (1234) camera: Camera probe failed with error 0x105(ESP_ERR_NOT_FOUND)')).toMatchObject({
      kind: 'camera-probe',
      code: 0x105,
    });
    expect(recogniseBoardFault('E (273) camera: Camera probe failed with error 0x20004')).toMatchObject({ kind: 'camera-probe', code: 0x20004 });
    expect(recogniseBoardFault('E (39) camera: Detected camera not supported.')).toMatchObject({ kind: 'camera-unsupported' });
    expect(recogniseBoardFault('Camera init failed with error 0x106')).toEqual({
      kind: 'camera-init',
      code: 0x106,
      line: 'Camera init failed with error 0x106',
    });
    expect(recogniseBoardFault('OSError: Camera Init Failed')).toEqual({ kind: 'camera-init', line: 'OSError: Camera Init Failed' });
  });

  it('recognises a missing PSRAM in either of the two lines the start-up prints', () => {
    expect(recogniseBoardFault('E (342) psram: PSRAM ID read error: 0xffffffff')).toMatchObject({ kind: 'no-psram' });
    expect(recogniseBoardFault('E (348) cpu_start: Failed to init external RAM!')).toMatchObject({ kind: 'no-psram' });
  });

  it("recognises the ROM's invalid header, the panic with its backtrace, and the task watchdog", () => {
    expect(recogniseBoardFault('invalid header: 0xFFFFFFFF')).toMatchObject({ kind: 'invalid-header', word: '0xffffffff' });
    expect(recogniseBoardFault("Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception was unhandled.")).toMatchObject({
      kind: 'panic',
      core: 1,
      reason: 'LoadProhibited',
    });
    expect(recogniseBoardFault('Backtrace: 0x400d1234:0x3ffb1f20 0x400d5678:0x3ffb1f40 |<-CORRUPTED')).toMatchObject({
      kind: 'backtrace',
      frames: ['0x400d1234:0x3ffb1f20', '0x400d5678:0x3ffb1f40'],
    });
    expect(recogniseBoardFault('E (5855) task_wdt: Task watchdog got triggered. The following tasks/users did not reset the watchdog in time:')).toMatchObject({
      kind: 'task-watchdog',
    });
  });

  it('passes ordinary lines, empty lines and overlong lines by', () => {
    for (const line of [
      '',
      'I (31) boot: ESP-IDF v5.0.2 2nd stage bootloader',
      'MicroPython v1.27.0 on 2025-01-01; ESP32 CAMERA',
      'Backtrace:',
      'x'.repeat(2000),
    ]) {
      expect(recogniseBoardFault(line)).toBeUndefined();
    }
  });
});

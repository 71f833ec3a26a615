import { describe, expect, it } from 'vitest';
import { diagnoseBootLog } from '../../host/src/devices/flasher/boot-log.js';
import { connectError } from '../../host/src/devices/flasher/connect.js';
import { classicReset, noReset } from '../../host/src/devices/board-reset/reset-lines.js';

const ascii = (text: string) => new TextEncoder().encode(text);
const DOWNLOAD_LOG =
  'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';
const FLASH_LOG = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nconfigsip: 0, SPIWP:0xee\r\n';
/** The same ROM log as a 115200-baud reader sees it when the chip talks at 74880 (a 26 MHz crystal). */
const GARBLED = Uint8Array.from([0xe0, 0x1c, 0x8c, 0x0e, 0xfe, 0x80, 0x9c, 0xf0, 0x70, 0x80, 0x86, 0xe6, 0x00, 0x98, 0x60, 0xfc, 0x1e, 0x80, 0x0e, 0x78]);

describe('reading the ROM boot log', () => {
  it('recognises download mode', () => {
    expect(diagnoseBootLog(ascii(DOWNLOAD_LOG))).toMatchObject({ kind: 'download', bootMode: '0x3' });
  });

  it('recognises a boot from flash: GPIO0 was high (boot:0x13)', () => {
    expect(diagnoseBootLog(ascii(FLASH_LOG))).toMatchObject({ kind: 'flash-boot', bootMode: '0x13' });
  });

  it('tells silence from garbage from readable text', () => {
    expect(diagnoseBootLog(new Uint8Array(0))).toEqual({ kind: 'silent' });
    expect(diagnoseBootLog(GARBLED)).toMatchObject({ kind: 'garbage' });
    expect(diagnoseBootLog(ascii('MicroPython v1.20.0 on 2023-04-26\r\n>>> '))).toMatchObject({ kind: 'other' });
  });
});

describe('saying why a connect failed', () => {
  const classic = classicReset(50);
  const none = noReset();

  it('download mode but no reply: the TX path is down', () => {
    const err = connectError([{ step: classic, diagnosis: diagnoseBootLog(ascii(DOWNLOAD_LOG)) }]);
    expect(err.code).toBe('E_NO_SYNC_REPLY');
    expect(err.hint).toMatch(/U0TXD/);
  });

  it('boot:0x13: the wrong boot mode, GPIO0 not held low', () => {
    const err = connectError([{ step: classic, diagnosis: diagnoseBootLog(ascii(FLASH_LOG)) }]);
    expect(err.code).toBe('E_NOT_IN_DOWNLOAD_MODE');
    expect(err.message).toMatch(/boot:0x13/);
    expect(err.hint).toMatch(/GPIO0.*GND.*RST/);
  });

  it('garbage: baud or noise', () => {
    const err = connectError([{ step: classic, diagnosis: diagnoseBootLog(GARBLED) }]);
    expect(err.code).toBe('E_SERIAL_NOISE');
    expect(err.hint).toMatch(/cable|noise/);
  });

  it('silence: wiring, driver or port', () => {
    const err = connectError([
      { step: classic, diagnosis: { kind: 'silent' } },
      { step: none, diagnosis: { kind: 'silent' } },
    ]);
    expect(err.code).toBe('E_NO_SERIAL_DATA');
    expect(err.message).toMatch(/tried: classic DTR\/RTS reset \(50 ms\), no reset/);
    expect(err.hint).toMatch(/TX and RX/);
  });

  it('reports the most telling attempt when they differ', () => {
    const err = connectError([
      { step: classic, diagnosis: { kind: 'silent' } },
      { step: none, diagnosis: diagnoseBootLog(ascii(DOWNLOAD_LOG)) },
    ]);
    expect(err.code).toBe('E_NO_SYNC_REPLY');
  });
});

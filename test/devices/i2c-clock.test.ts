import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectI2cClockHz, resolveI2cClock } from '../../host/src/transports/i2c-clock.js';

/** A sysfs tree as a Pi shows it: the adapter's device-tree node holds clock-frequency as a big-endian u32. */
function sysWith(bus: number, content: Buffer | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'esp32cam-sys-'));
  const node = join(root, 'sys', 'class', 'i2c-adapter', `i2c-${bus}`, 'of_node');
  mkdirSync(node, { recursive: true });
  if (content) writeFileSync(join(node, 'clock-frequency'), content);
  return root;
}

const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};

describe('detectI2cClockHz', () => {
  it('reads the Pi bus clock from the device tree, e.g. after i2c_arm_baudrate=400000', () => {
    expect(detectI2cClockHz(1, sysWith(1, u32be(400_000)))).toBe(400_000);
    expect(detectI2cClockHz(1, sysWith(1, u32be(100_000)))).toBe(100_000);
  });

  it('says nothing for an adapter without the property, another bus, or a malformed value', () => {
    expect(detectI2cClockHz(1, sysWith(1, undefined))).toBeUndefined();
    expect(detectI2cClockHz(3, sysWith(1, u32be(400_000)))).toBeUndefined();
    expect(detectI2cClockHz(1, sysWith(1, Buffer.from('400000\n')))).toBeUndefined();
    expect(detectI2cClockHz(1, sysWith(1, u32be(0)))).toBeUndefined();
  });
});

describe('resolveI2cClock', () => {
  it('takes the config over the device tree over the Pi default, and keeps what the tree said', () => {
    const pi400 = sysWith(1, u32be(400_000));
    expect(resolveI2cClock(1, 100_000, pi400)).toEqual({ hz: 100_000, origin: 'config', detectedHz: 400_000 });
    expect(resolveI2cClock(1, undefined, pi400)).toEqual({ hz: 400_000, origin: 'system', detectedHz: 400_000 });
    expect(resolveI2cClock(1, undefined, sysWith(1, undefined))).toEqual({ hz: 100_000, origin: 'default', detectedHz: undefined });
  });
});

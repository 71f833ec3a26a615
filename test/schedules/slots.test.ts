import { describe, expect, it } from 'vitest';
import { cronSlots, everySlots, shortestGap } from '../../host/src/services/schedules/slots.js';

const T = Date.UTC(2031, 0, 2, 12, 0, 0);

describe('slots', () => {
  it('puts every-N slots on the multiples of N since the epoch, strictly after the time asked', () => {
    const slots = everySlots(60);
    expect(slots.next(T)).toBe(T + 60_000);
    expect(slots.next(T - 1)).toBe(T);
    expect(slots.previous(T)).toBe(T);
    expect(slots.previous(T + 59_999)).toBe(T);
    expect(slots.count(T, T + 10 * 60_000, 1000)).toBe(10);
    expect(slots.count(T, T + 10 * 60_000, 4)).toBe(4);
    expect(slots.count(T + 1, T + 59_999, 1000)).toBe(0);
  });

  it('finds cron slots through croner, seconds field included', () => {
    const slots = cronSlots('*/15 * * * * *');
    expect(slots.next(T)).toBe(T + 15_000);
    expect(slots.next(T + 14_999)).toBe(T + 15_000);
    expect(slots.previous(T + 14_999)).toBe(T);
    expect(slots.previous(T + 15_000)).toBe(T + 15_000);
    expect(slots.count(T, T + 60_000, 1000)).toBe(4);
    expect(shortestGap(cronSlots('0,1 * * * * *'), T, 10)).toBe(1000);
    expect(shortestGap(everySlots(5), T, 10)).toBe(5000);
  });

  it('says when a cron expression has no slot left', () => {
    expect(cronSlots('0 0 30 2 *').next(T)).toBeNull();
    expect(() => cronSlots('61 * * * *')).toThrow(/Invalid value for minute: 61/);
  });
});

import { describe, expect, it } from 'vitest';
import { isEsp32CamError } from '../../host/src/errors.js';
import { chooseEncoder, parseExportRange, parseFps, rangeQuery, timelapseArgs, videoSize } from '../../host/src/services/export/index.js';
import { run } from './helpers.js';

function badInput(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isEsp32CamError(err, 'E_BAD_INPUT')) return err.message;
    throw err;
  }
  throw new Error('expected E_BAD_INPUT');
}

describe('the range an export takes', () => {
  it('reads ISO times with their zone, and a day alone as a whole UTC day', () => {
    expect(parseExportRange({ from: '2026-12-02T16:30:00Z', to: '2026-12-02T17:30:00.250+01:00' })).toEqual({
      from: new Date(Date.UTC(2026, 11, 2, 16, 30)),
      to: new Date(Date.UTC(2026, 11, 2, 16, 30, 0, 250)),
      schedule: { kind: 'all' },
    });
    expect(parseExportRange({ from: '2026-12-02', to: '2026-12-02' })).toEqual({
      from: new Date('2026-12-02T00:00:00.000Z'),
      to: new Date('2026-12-02T23:59:59.999Z'),
      schedule: { kind: 'all' },
    });
    expect(parseExportRange({})).toEqual({ schedule: { kind: 'all' } });
    expect(parseExportRange({ from: '', to: '', schedule: '' })).toEqual({ schedule: { kind: 'all' } });
  });

  it('tells the schedule forms apart', () => {
    expect(parseExportRange({ schedule: 'all' }).schedule).toEqual({ kind: 'all' });
    expect(parseExportRange({ schedule: 'manual' }).schedule).toEqual({ kind: 'manual' });
    expect(parseExportRange({ schedule: 'night-1' }).schedule).toEqual({ kind: 'schedule', id: 'night-1' });
    for (const schedule of ['../x', 'a b', 'x'.repeat(65), ['a', 'b'], '-lead']) {
      expect(badInput(() => parseExportRange({ schedule }))).toBe('schedule must be "all", "manual" or a schedule id');
    }
  });

  it('refuses what is not a time, a time without a zone, a day that does not exist, and from after to', () => {
    expect(badInput(() => parseExportRange({ from: 'now' }))).toBe('from is not a time: "now"');
    expect(badInput(() => parseExportRange({ to: '2026-12-02T16:30' }))).toBe('to is not a time: "2026-12-02T16:30"');
    expect(badInput(() => parseExportRange({ to: '2026-13-01' }))).toBe('to is not a time: "2026-13-01"');
    expect(badInput(() => parseExportRange({ from: '2026-02-30' }))).toBe('from is not a time: "2026-02-30"');
    expect(badInput(() => parseExportRange({ from: ['2026-12-02'] }))).toBe('from must be given once, as one time');
    expect(badInput(() => parseExportRange({ from: '2026-12-03', to: '2026-12-02T23:00:00Z' }))).toMatch(/^from \(2026-12-03T00:00:00.000Z\) is after to/);
  });

  it('gives the range back as the query it came from', () => {
    const range = parseExportRange({ from: '2026-12-02T16:30:00+01:00', schedule: 'manual' });
    expect(rangeQuery(range).toString()).toBe('from=2026-12-02T15%3A30%3A00.000Z&schedule=manual');
    expect(rangeQuery(parseExportRange({})).toString()).toBe('');
  });

  it('takes a whole fps from 1 to 60, 10 when absent', () => {
    expect(parseFps(undefined)).toBe(10);
    expect(parseFps('1')).toBe(1);
    expect(parseFps('60')).toBe(60);
    for (const fps of ['0', '61', '1.5', 'x', '1e1', ['5', '6'], '0010000']) expect(badInput(() => parseFps(fps))).toMatch(/^fps must be a whole number/);
  });
});

describe('the encoder and the frame size of a timelapse', () => {
  it("picks libx264 from Debian's own ffmpeg", async () => {
    const listing = await run('ffmpeg', ['-hide_banner', '-encoders']);
    expect(chooseEncoder(listing.stdout)).toMatchObject({ name: 'libx264', codec: 'h264' });
  });

  it('falls back to another H.264 encoder, then to MPEG-4, and to none without either', () => {
    const line = (name: string, kind = 'V'): string => ` ${kind}....D ${name.padEnd(20)} ${name} encoder`;
    expect(chooseEncoder([line('libopenh264'), line('mpeg4')].join('\n'))?.name).toBe('libopenh264');
    expect(chooseEncoder([line('mpeg4'), line('aac', 'A')].join('\n'))).toMatchObject({ name: 'mpeg4', codec: 'mpeg4' });
    // An audio encoder of that name is no video encoder.
    expect(chooseEncoder([line('libx264', 'A'), line('flac', 'A')].join('\n'))).toBeUndefined();
  });

  it('makes the most common size even, as yuv420p needs', () => {
    expect(videoSize([{ width: 161, height: 121 }])).toEqual({ width: 160, height: 120 });
    expect(videoSize([{ width: 96, height: 96 }])).toEqual({ width: 96, height: 96 });
  });

  it('fits every frame into the size and writes an MP4 to the path given', () => {
    const args = timelapseArgs({ fps: 12, size: { width: 640, height: 480 }, encoder: chooseEncoder(' V....D libx264 x')!, output: '/d/.t.tmp' });
    expect(args.slice(args.indexOf('-framerate'), args.indexOf('-framerate') + 2)).toEqual(['-framerate', '12']);
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p');
    expect(args.slice(-4)).toEqual(['-f', 'mp4', '-y', '/d/.t.tmp']);
  });
});

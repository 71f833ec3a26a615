import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../host/src/config/load-config.js';
import { Esp32CamError } from '../../host/src/errors.js';

const resolve = (values: unknown) => resolveConfig([{ name: 'command line', values, baseDir: '/' }], { cwd: '/', devDir: '/nonexistent' });

function refusal(values: unknown): Esp32CamError {
  try {
    resolve(values);
  } catch (err) {
    if (err instanceof Esp32CamError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(values)} was accepted`);
}

describe("the config's stream section", () => {
  it('takes stream.maxViewers, and leaves it out when not set (the hub has the default)', () => {
    expect(resolve({ camera: 'sim', stream: { maxViewers: 8 } }).stream).toEqual({ maxViewers: 8 });
    expect(resolve({ camera: 'sim' }).stream).toBeUndefined();
  });

  it.each([0, 65, 2.5, '4'])('refuses maxViewers %j with the range and what to use', (bad) => {
    const err = refusal({ camera: 'sim', stream: { maxViewers: bad } });
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toMatch(/^command line: stream\.maxViewers: must be/);
    expect(err.hint).toContain('from 1 to 64');
  });

  it('names a misspelt key and the one meant', () => {
    const err = refusal({ camera: 'sim', stream: { maxViewer: 2 } });
    expect(err.message).toBe('command line: unknown key "stream.maxViewer"');
    expect(err.hint).toContain('"maxViewers"');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPythonSyntax, configDefaults, readConfigTemplate, renderConfigModule } from '../../host/src/devices/push/index.js';
import { isEsp32CamError } from '../../host/src/errors.js';
import { deviceScriptsDir } from '../../host/src/paths.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isEsp32CamError(err)) return err.code;
    throw err;
  }
  return 'returned';
}

describe('checkPythonSyntax (MicroPython WASM compile)', () => {
  it('accepts the bundled device scripts', async () => {
    for (const name of ['main.py', 'camconfig.py']) {
      expect(await checkPythonSyntax(readFileSync(join(deviceScriptsDir(), name), 'utf8'), name)).toBeUndefined();
    }
  });

  it('names the file and line of a syntax error, an indentation error and an unclosed bracket', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['a = 1\nif a == 1\n    a = 2\n', 'a.py', /^a\.py:2: SyntaxError/],
      ['def f():\n    x = 1\n      y = 2\n', 'dir/b.py', /^dir\/b\.py:3: IndentationError/],
      ['x = (1,\n     2,\n', 'c "q".py', /^c "q"\.py:\d+: SyntaxError/],
    ];
    for (const [source, name, pattern] of cases) {
      const err = await checkPythonSyntax(source, name);
      expect(err?.code).toBe('E_SCRIPT_SYNTAX');
      expect(err?.message).toMatch(pattern);
    }
  });

  it('compiles without running the code', async () => {
    expect(await checkPythonSyntax('raise SystemExit(1)\nwhile True:\n    pass\n', 'loop.py')).toBeUndefined();
  });
});

describe('renderConfigModule', () => {
  it('writes overrides into camconfig.py, keeping the other lines and the file valid Python', async () => {
    const text = renderConfigModule({ I2C_ADDRESS: 0x30, SDA_PIN: '14', FRAME_SIZE: 'VGA', WDT_TIMEOUT_MS: '120000' });
    const values = configDefaults(text);
    const defaults = configDefaults(readConfigTemplate());
    expect(values).toEqual({ ...defaults, I2C_ADDRESS: 0x30, SDA_PIN: 14, FRAME_SIZE: 'VGA', WDT_TIMEOUT_MS: 120000 });
    expect(text).toMatch(/^I2C_ADDRESS = 0x30 +# freshev/m);
    expect(text.split('\n').length).toBe(readConfigTemplate().split('\n').length);
    expect(await checkPythonSyntax(text, 'camconfig.py')).toBeUndefined();
    expect(renderConfigModule({})).toBe(readConfigTemplate());
  });

  it('refuses unknown keys, wrong types and strings that cannot be a plain literal', () => {
    expect(codeOf(() => renderConfigModule({ NOT_A_SETTING: 1 }))).toBe('E_CONFIG');
    expect(codeOf(() => renderConfigModule({ SDA_PIN: 'thirteen' }))).toBe('E_CONFIG');
    expect(codeOf(() => renderConfigModule({ SDA_PIN: 1.5 }))).toBe('E_CONFIG');
    expect(codeOf(() => renderConfigModule({ FRAME_SIZE: 5 }))).toBe('E_CONFIG');
    expect(codeOf(() => renderConfigModule({ FRAME_SIZE: "VGA'\nimport os" }))).toBe('E_CONFIG');
  });
});

import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configureLogging, logger, parseLogLevels, verbosityLevel } from '../../host/src/log/index.js';
import { redactUrl } from '../../host/src/http/request-log.js';

function capture(levels: string): { lines: () => Array<Record<string, unknown>> } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  configureLogging({ levels: parseLogLevels(levels), format: 'json', destination: out });
  return {
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

afterEach(() => configureLogging({ levels: { default: 'warn', namespaces: {} }, format: 'json', destination: new PassThrough() }));

describe('the logger', () => {
  it('reads level specs: a default, and namespace=level pairs', () => {
    expect(parseLogLevels('')).toEqual({ default: 'info', namespaces: {} });
    expect(parseLogLevels('debug')).toEqual({ default: 'debug', namespaces: {} });
    expect(parseLogLevels('warn, I2C=trace,repl=trace')).toEqual({ default: 'warn', namespaces: { i2c: 'trace', repl: 'trace' } });
    expect(() => parseLogLevels('loud')).toThrow(/"loud" is not a level/);
    expect(() => parseLogLevels('bus=trace')).toThrow(/"bus" is not a log namespace/);
    expect(() => parseLogLevels('i2c=verbose')).toThrow(/"verbose" is not a level/);
    expect([verbosityLevel(0), verbosityLevel(1), verbosityLevel(2), verbosityLevel(5)]).toEqual([undefined, 'debug', 'trace', 'trace']);
  });

  it('logs each namespace at its own level, as JSON lines with the namespace', () => {
    const log = capture('warn,i2c=trace');
    logger('i2c').trace('a transaction');
    logger('http').info('a request');
    logger('http').warn('a warning', { port: 8080 });
    expect(log.lines().map((l) => [l.ns, l.level, l.msg])).toEqual([
      ['i2c', 10, 'a transaction'],
      ['http', 40, 'a warning'],
    ]);
    expect(log.lines()[1]).toMatchObject({ port: 8080 });
  });

  it('makes a message given as a function only when its level is on', () => {
    capture('info');
    let made = 0;
    logger('i2c').trace(() => {
      made++;
      return 'hex dump';
    });
    expect(made).toBe(0);
    logger('i2c').info(() => {
      made++;
      return 'shown';
    });
    expect(made).toBe(1);
  });

  it('logs an error with its stack', () => {
    const log = capture('info');
    logger('http').error('unexpected error on GET /x', new Error('boom'));
    const [line] = log.lines();
    expect(line).toMatchObject({ ns: 'http', level: 50, msg: 'unexpected error on GET /x' });
    expect((line.err as { stack: string }).stack).toMatch(/Error: boom\n\s+at /);
  });

  it('never writes a token from a URL', () => {
    expect(redactUrl('/capture?token=abc123&camera=front')).toBe('/capture?token=…&camera=front');
    expect(redactUrl('/?x=1&TOKEN=s3cr3t')).toBe('/?x=1&TOKEN=…');
    expect(redactUrl('/api/status')).toBe('/api/status');
  });
});

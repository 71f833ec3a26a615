import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import { logger } from '../log/index.js';

const log = logger('http');

/** A URL as it may be logged: the access token a link carries is replaced, never written to a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1…');
}

/** Each request at debug level, once it is answered: method, URL (token hidden), status and time. */
export const requestLog: RequestHandler = (req, res, next) => {
  if (!log.enabled('debug')) {
    next();
    return;
  }
  const started = performance.now();
  res.on('finish', () => {
    log.debug(() => `${req.method} ${redactUrl(req.originalUrl)} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms`);
  });
  next();
};

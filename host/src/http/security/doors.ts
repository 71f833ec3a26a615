import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { Esp32CamError } from '../../errors.js';
import type { Gatekeeper } from './gatekeeper.js';
import { TOKEN_COOKIE } from './presented-token.js';
import { acts, crossOriginReason } from './same-origin.js';

const shown = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** Refuses, before routing, any request whose `Host` does not name this service (DNS rebinding). */
export function hostCheck(allows: (host: string | undefined) => boolean): RequestHandler {
  return (req, _res, next) => {
    if (allows(req.headers.host)) {
      next();
      return;
    }
    const host = req.headers.host;
    // The app's error handler answers it, as every other failure: status from the code, no-store, JSON.
    next(
      new Esp32CamError(
        'E_FOREIGN_HOST',
        host === undefined ? 'The request has no Host header' : `This service does not answer for the host name "${shown(host)}"`,
        'Open the service by this machine\'s address or hostname, or add the name you use to "allowedHosts" in the config.',
      ),
    );
  };
}

/** A request that changes anything must come from this service's own page, or from no browser at all. */
export const sameOriginForActions: RequestHandler = (req, _res, next) => {
  const reason = acts(req.method, req.path) ? crossOriginReason(req) : undefined;
  if (reason === undefined) {
    next();
    return;
  }
  next(
    new Esp32CamError(
      'E_CROSS_ORIGIN',
      `${req.method} ${req.path} was refused: ${reason}`,
      'Use the esp32cam page itself, or call the API from a script or another server (not from a web page on another site).',
    ),
  );
};

/** What a browser may load without the token: the sign-in page's stylesheet. */
const PUBLIC_PATHS = new Set(['/signin.css']);

const COOKIE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

const wantsPage = (req: Parameters<RequestHandler>[0]): boolean => (req.method === 'GET' || req.method === 'HEAD') && req.accepts(['json', 'html']) === 'html';

/**
 * The token door. A `?token=` that opens the page also sets the cookie the page goes on with; a browser
 * without a token gets the sign-in page, anything else a JSON 401 that says how to get the token.
 */
export function requireToken(gate: Gatekeeper, webDir: string): RequestHandler {
  const signin = readFileSync(join(webDir, 'signin.html'));
  return async (req, res, next) => {
    if (!gate.required || PUBLIC_PATHS.has(req.path)) {
      next();
      return;
    }
    const admission = await gate.admit(req);
    if (admission.ok) {
      if (admission.token?.via === 'query' && wantsPage(req)) {
        res.cookie(TOKEN_COOKIE, admission.token.value, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: COOKIE_MAX_AGE_MS });
      }
      next();
      return;
    }
    if (admission.error.code !== 'E_RATE_LIMITED' && wantsPage(req)) {
      res.status(401).set('Cache-Control', 'no-store').type('html').send(signin);
      return;
    }
    if (admission.retryAfterS !== undefined) res.set('Retry-After', String(admission.retryAfterS));
    next(admission.error);
  };
}

/** A fresh nonce for every response: the page hands it to the <style> elements xterm.js creates. */
export const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = randomBytes(16).toString('base64');
  next();
};

/**
 * The page, with this response's nonce where index.html says `__CSP_NONCE__` (read once at start-up).
 */
export function pageWithNonce(webDir: string): RequestHandler {
  const page = readFileSync(join(webDir, 'index.html'), 'utf8');
  return (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(page.replaceAll('__CSP_NONCE__', res.locals.cspNonce as string));
  };
}

/**
 * helmet's headers, with a policy the page keeps: scripts, styles and connections from this origin only,
 * no inline script, no inline style but the <style> elements that carry this response's nonce, no framing.
 * HSTS and upgrade-insecure-requests are left out: the service speaks plain HTTP on a LAN, where they would
 * break every load.
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce as string}'`],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  xFrameOptions: { action: 'deny' },
});

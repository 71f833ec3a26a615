import type { IncomingMessage } from 'node:http';
import { parse as parseCookie } from 'cookie';
import { Esp32CamError } from '../../errors.js';

/** The HttpOnly, SameSite=Strict cookie that a `?token=` visit to the page sets. */
export const TOKEN_COOKIE = 'esp32cam_token';

export type TokenSource = 'header' | 'query' | 'cookie';

export interface PresentedToken {
  via: TokenSource;
  value: string;
}

const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{1,256}$/;

const HOW_TO_GET =
  'Run `esp32cam token` on the Pi (add --data-dir if the service uses another one) and open the URL it prints, ' +
  'or send the token as "Authorization: Bearer TOKEN" or ?token=TOKEN.';

export const tokenHint = HOW_TO_GET;

function malformed(where: string, why: string): Esp32CamError {
  return new Esp32CamError('E_AUTH_INVALID', `The access token in ${where} ${why}`, HOW_TO_GET);
}

/**
 * Every token the request carries: the Authorization header, then `?token=`, then the cookie. A token that
 * is there but cannot be one (two of them in the URL, characters a token never has, a scheme other than
 * Bearer) is an error of its own, so the client learns what it sent wrong.
 */
export function presentedTokens(req: Pick<IncomingMessage, 'headers' | 'url'>): PresentedToken[] {
  const found: PresentedToken[] = [];
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (!match) throw malformed('the Authorization header', 'is not "Bearer TOKEN"');
    if (!TOKEN_SHAPE.test(match[1]!)) throw malformed('the Authorization header', 'has characters a token never has');
    found.push({ via: 'header', value: match[1]! });
  }
  const query = (req.url ?? '').split('?')[1];
  if (query !== undefined) {
    const values = new URLSearchParams(query).getAll('token');
    if (values.length > 1) throw malformed('the URL', 'appears more than once; give ?token= once');
    if (values.length === 1) {
      if (!TOKEN_SHAPE.test(values[0]!))
        throw malformed('the URL', 'is not in the form of a token (check that it was copied whole, with no spaces or extra encoding)');
      found.push({ via: 'query', value: values[0]! });
    }
  }
  const cookieHeader = req.headers.cookie;
  if (cookieHeader !== undefined) {
    let value: string | undefined;
    try {
      value = parseCookie(cookieHeader)[TOKEN_COOKIE];
    } catch {
      value = undefined;
    }
    if (value !== undefined && TOKEN_SHAPE.test(value)) found.push({ via: 'cookie', value });
  }
  return found;
}

import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Esp32CamError } from '../../errors.js';
import type { AccessToken } from '../../services/auth/index.js';
import { presentedTokens, tokenHint, type PresentedToken } from './presented-token.js';

/**
 * Wrong tokens an address may send per window before every attempt from it is refused. A request with no
 * token at all is not counted: it guesses nothing, and a page opened before signing in must not lock out
 * the phone that opened it.
 */
export const FAILURES_PER_WINDOW = 20;
export const FAILURE_WINDOW_S = 300;

export type Admission = { ok: true; token: PresentedToken | undefined } | { ok: false; error: Esp32CamError; retryAfterS?: number };

/**
 * Decides whether a request may in: with no token required, always; otherwise when one of the tokens it
 * carries is the current one. Failures are counted per address, and an address over the limit is refused
 * before its token is even looked at, so guessing gets no faster by sending more.
 */
export class Gatekeeper {
  private readonly failures = new RateLimiterMemory({ points: FAILURES_PER_WINDOW, duration: FAILURE_WINDOW_S });

  /** `access` undefined: no token is needed (loopback, or auth off). */
  constructor(readonly access: AccessToken | undefined) {}

  get required(): boolean {
    return this.access !== undefined;
  }

  async admit(req: Pick<IncomingMessage, 'headers' | 'url' | 'socket'>): Promise<Admission> {
    const access = this.access;
    if (!access) return { ok: true, token: undefined };
    const address = req.socket.remoteAddress ?? 'unknown';
    const seen = await this.failures.get(address);
    if (seen && seen.consumedPoints >= FAILURES_PER_WINDOW) return limited(seen);
    let error: Esp32CamError;
    try {
      const tokens = presentedTokens(req);
      const good = tokens.find((t) => access.matches(t.value));
      if (good) return { ok: true, token: good };
      if (tokens.length === 0) return { ok: false, error: new Esp32CamError('E_AUTH_REQUIRED', 'This service needs its access token', tokenHint) };
      error = new Esp32CamError('E_AUTH_INVALID', `The access token sent (${tokens.map((t) => t.via).join(', ')}) is wrong or was replaced`, tokenHint);
    } catch (err) {
      error = err as Esp32CamError;
    }
    try {
      await this.failures.consume(address);
    } catch (res) {
      if (res instanceof RateLimiterRes) return limited(res);
      throw res;
    }
    return { ok: false, error };
  }

  /** Whether a token that was let in is still the current one (after a rotation it is not). */
  stillValid(token: PresentedToken | undefined): boolean {
    return !this.access || (token !== undefined && this.access.matches(token.value));
  }
}

function limited(res: RateLimiterRes): Admission {
  const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return {
    ok: false,
    retryAfterS,
    error: new Esp32CamError(
      'E_RATE_LIMITED',
      `Too many wrong or missing tokens from this address; try again in ${retryAfterS} s`,
      `Wait, then use the current token: ${tokenHint}`,
    ),
  };
}

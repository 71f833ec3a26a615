import { Esp32CamError } from '../errors.js';

export interface ErrorPayload {
  code: string;
  message: string;
  hint: string;
}

/** The `{ code, message, hint }` a client sees; anything that is not an Esp32CamError is a bug on our side. */
export function errorPayload(err: unknown): ErrorPayload {
  if (err instanceof Esp32CamError) return err.toJSON();
  return {
    code: 'E_INTERNAL',
    message: 'Unexpected internal error',
    hint: 'See the service log for details, and report it if it happens again.',
  };
}

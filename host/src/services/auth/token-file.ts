import { randomBytes } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Esp32CamError, systemErrorCode } from '../../errors.js';
import { describeFsError, ensureDir, writeFileAtomic } from '../atomic-write.js';

/** Where the generated token is kept, readable by the service's own user only. */
export const TOKEN_FILE = 'auth-token';

export const tokenPath = (dataDir: string): string => join(dataDir, TOKEN_FILE);

/** 32 random bytes: more than any guessing at the rate limiter's pace could cover. URL-safe as it is. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** What a token may look like: URL-safe as it is, long enough not to be guessed. */
export const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{16,256}$/;

/** The token in `dataDir/auth-token`, or undefined when there is none yet. A damaged file is an error. */
export async function readTokenFile(dataDir: string): Promise<string | undefined> {
  const path = tokenPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return undefined;
    throw new Esp32CamError(
      'E_CONFIG',
      `Cannot read the access token in ${path}: ${describeFsError(err)}`,
      'Run the service as the user that owns the data directory, or remove the file to have a new token made.',
      { cause: err },
    );
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) {
    throw new Esp32CamError(
      'E_CONFIG',
      `${path} does not hold a token (16 to 256 letters, digits and . _ ~ -)`,
      'Run `esp32cam token --rotate` to write a new one.',
    );
  }
  return token;
}

/** Writes a token atomically with mode 0600, creating the data directory (0700) when it is missing. */
export async function writeTokenFile(dataDir: string, token: string): Promise<void> {
  try {
    await ensureDir(dataDir, undefined, 0o700);
    await writeFileAtomic(tokenPath(dataDir), Buffer.from(`${token}\n`), undefined, 0o600);
    // An existing file's mode survives a rename over it only if we set it; the new file is 0600 already.
    await chmod(tokenPath(dataDir), 0o600);
  } catch (err) {
    throw new Esp32CamError(
      'E_CONFIG',
      `Cannot write the access token to ${tokenPath(dataDir)}: ${describeFsError(err)}`,
      'Check that the data directory is writable by this user, or set "auth": {"token": "..."} in the config.',
      { cause: err },
    );
  }
}

/** The token kept in the data directory, made on first use. */
export async function loadOrCreateToken(dataDir: string): Promise<{ token: string; created: boolean }> {
  const existing = await readTokenFile(dataDir);
  if (existing !== undefined) return { token: existing, created: false };
  const token = newToken();
  await writeTokenFile(dataDir, token);
  return { token, created: true };
}

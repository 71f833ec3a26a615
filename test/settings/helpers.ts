import sharp from 'sharp';
import type { RunningServer } from '../../host/src/app/index.js';

export interface SettingsJson {
  camera: string;
  wanted: Record<string, number>;
  applied: Record<string, number> | null;
  appliedAt: string | null;
  supported: boolean | null;
  lastError: { code: string; message: string; hint: string } | null;
}

/** A PUT's answer: the settings, or on failure the error. */
export type SettingsAnswer = SettingsJson & { error: { code: string; message: string; hint: string } };

export const VGA = 8;

/** A PUT as the page sends it: same origin, JSON. */
export async function putSettings(server: RunningServer, camera: string, body: unknown): Promise<{ status: number; json: SettingsAnswer }> {
  const res = await fetch(`${server.url}/api/cameras/${camera}/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as SettingsAnswer };
}

export async function getSettings(server: RunningServer, camera: string): Promise<SettingsJson> {
  const res = await fetch(`${server.url}/api/cameras/${camera}/settings`);
  if (!res.ok) throw new Error(`GET settings of ${camera}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as SettingsJson;
}

/**
 * The size of a photo the board takes now. The simulated camera, like freshev's, hands back the frame it
 * already holds first, so the first capture may predate a change: the second one is taken after it.
 */
export async function photoSize(server: RunningServer, camera: string): Promise<{ width: number; height: number }> {
  let jpeg = Buffer.alloc(0);
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${server.url}/capture?camera=${camera}`);
    if (!res.ok) throw new Error(`GET /capture?camera=${camera}: HTTP ${res.status} ${await res.text()}`);
    jpeg = Buffer.from(await res.arrayBuffer());
  }
  const meta = await sharp(jpeg).metadata();
  return { width: meta.width!, height: meta.height! };
}

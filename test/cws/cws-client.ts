import { get } from 'node:http';

export interface CwsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/**
 * A GET as Home Assistant, motionEye or a CameraWebServer script sends it: plain HTTP, the token in the URL,
 * no Origin, no fetch metadata, no cookie.
 */
export function cwsGet(port: number, path: string, token: string | undefined): Promise<CwsResponse> {
  const url = token === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: url, headers: { 'user-agent': 'HomeAssistant/2024.6 aiohttp/3.9' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The error a failed request carries, as every route of the service answers one. */
export const errorOf = (res: CwsResponse): { code: string; message: string; hint: string } =>
  (JSON.parse(res.text) as { error: { code: string; message: string; hint: string } }).error;

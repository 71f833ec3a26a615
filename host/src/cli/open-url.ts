import { networkInterfaces } from 'node:os';

/** The address another machine would use: a LAN address when the service listens on all of them. */
function reachableHost(bound: string): string {
  if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}

/** `http://HOST:PORT/?token=TOKEN`: the URL to open on a phone, ready to paste. */
export function openUrl(bound: string, port: number, token: string | undefined): string {
  const host = reachableHost(bound);
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
}

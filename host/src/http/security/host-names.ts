import { isIP } from 'node:net';
import { hostname as machineHostname, networkInterfaces } from 'node:os';

/** The host part of a `Host` or `Origin` value, lower-cased, IPv6 without brackets; undefined when unparsable. */
export function hostOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(`http://${value}`);
  } catch {
    return undefined;
  }
  // `Host: a@b` or `Host: a/b` parses as a URL but is no host header.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  const name = url.hostname.toLowerCase();
  return name.startsWith('[') ? name.slice(1, -1) : name;
}

/** `host:port` as a browser writes it in `Origin` for http://, from a `Host` header; undefined when unparsable. */
export function authorityOf(value: string): string | undefined {
  try {
    const url = new URL(`http://${value}`);
    return url.host.toLowerCase();
  } catch {
    return undefined;
  }
}

export function isLoopbackAddress(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

export const isLoopbackName = (name: string): boolean => name === 'localhost' || name.endsWith('.localhost');

const isWildcard = (bound: string): boolean => bound === '0.0.0.0' || bound === '::' || bound === '';

/** Whether the service bound to `host` can only be reached from this machine. */
export function isLoopbackBinding(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return isLoopbackName(name) || (isIP(name) !== 0 && isLoopbackAddress(name));
}

function machineAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) out.add(info.address.toLowerCase().split('%')[0]!);
  }
  return out;
}

export interface HostPolicyOptions {
  /** The address the server listens on (`127.0.0.1`, `0.0.0.0`, a LAN address). */
  bound: string;
  /** Names the user added (`allowedHosts`); `*.example.lan` allows every name under it. */
  allowed: readonly string[];
  hostname?: string;
  /** This machine's addresses now (they change with DHCP, so they are asked for each time). */
  addresses?: () => Set<string>;
}

/**
 * Which names a `Host` header may carry. DNS rebinding always arrives under the attacker's own name, so a
 * request is answered only under a name that means this machine: loopback names and addresses, the bound
 * address (any address of the machine when bound to all of them), the machine's hostname, and the
 * user's own list.
 */
export function hostPolicy(opts: HostPolicyOptions): (hostHeader: string | undefined) => boolean {
  const bound = opts.bound.toLowerCase().replace(/^\[|\]$/g, '');
  const machine = (opts.hostname ?? machineHostname()).toLowerCase();
  const names = new Set([machine, `${machine}.local`]);
  const exact = new Set(opts.allowed.filter((n) => !n.startsWith('*.')));
  const suffixes = opts.allowed.filter((n) => n.startsWith('*.')).map((n) => n.slice(1));
  const addresses = opts.addresses ?? machineAddresses;
  return (hostHeader) => {
    if (hostHeader === undefined) return false;
    const name = hostOf(hostHeader);
    if (name === undefined || name === '') return false;
    if (isIP(name) !== 0) {
      if (isLoopbackAddress(name)) return true;
      return isWildcard(bound) ? addresses().has(name) : name === bound;
    }
    return isLoopbackName(name) || names.has(name) || name === bound || exact.has(name) || suffixes.some((s) => name.endsWith(s));
  };
}

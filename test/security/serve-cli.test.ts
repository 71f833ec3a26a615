import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_FILE } from '../../host/src/services/auth/index.js';
import { spawnCli } from '../cli-device/cli-run.js';
import { rawRequest } from './raw-http.js';

interface Started {
  child: ChildProcessWithoutNullStreams;
  out: string;
  port: number;
}

/** Starts `esp32cam serve` and resolves once it printed its address and everything it prints at start. */
function serve(args: string[], cwd: string): Promise<Started> {
  const child = spawnCli(['serve', '--camera', 'sim', '--port', '0', ...args], cwd);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const served = /serving http:\/\/[^:]+:(\d+)/.exec(out);
      // "photos in" is the last start-up line.
      if (served && /esp32cam: photos in /.test(out)) resolve({ child, out, port: Number(served[1]) });
    });
    child.on('close', (code) => reject(new Error(`serve exited ${code} before it was up:\n${out}`)));
  });
}

function stop(s: Started): Promise<void> {
  return new Promise((resolve) => {
    s.child.removeAllListeners('close');
    s.child.on('close', () => resolve());
    s.child.kill('SIGTERM');
  });
}

describe('esp32cam serve and the token', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esp32cam-serve-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bound off loopback: prints a ready-to-open ?token= URL once, the token that the file holds and that opens /capture', async () => {
    const data = join(dir, 'data');
    const first = await serve(['--host', '0.0.0.0', '--data-dir', data], dir);
    try {
      const token = (await readFile(join(data, TOKEN_FILE), 'utf8')).trim();
      expect(first.out).toContain('access token made now');
      const urls = first.out.match(/http:\/\/\S+\?token=\S+/g) ?? [];
      expect(urls).toHaveLength(1);
      const url = new URL(urls[0]!);
      expect(url.searchParams.get('token')).toBe(token);
      expect(url.port).toBe(String(first.port));
      // The printed URL names a LAN address; the request goes to loopback, as every test's does.
      const still = await rawRequest(first.port, { path: `/capture${url.search}` });
      expect(still.status).toBe(200);
      expect(still.headers['content-type']).toBe('image/jpeg');
      expect((await rawRequest(first.port, { path: '/capture' })).status).toBe(401);
    } finally {
      await stop(first);
    }
    const again = await serve(['--host', '0.0.0.0', '--data-dir', data], dir);
    try {
      expect(again.out).toContain('access token in force');
      expect(again.out).toContain(`?token=${(await readFile(join(data, TOKEN_FILE), 'utf8')).trim()}`);
    } finally {
      await stop(again);
    }
  });

  it('on loopback prints no token; with --no-auth warns at every start', async () => {
    const data = join(dir, 'data-loopback');
    const plain = await serve(['--data-dir', data], dir);
    try {
      expect(plain.out).not.toMatch(/token|WARNING/);
      expect((await rawRequest(plain.port, { path: '/api/status' })).status).toBe(200);
    } finally {
      await stop(plain);
    }
    const open = await serve(['--host', '0.0.0.0', '--no-auth', '--data-dir', data], dir);
    try {
      expect(open.out).toMatch(/WARNING: --no-auth: anyone who can reach this port/);
      expect((await rawRequest(open.port, { path: '/api/status' })).status).toBe(200);
      // The other doors still hold without the token.
      expect((await rawRequest(open.port, { path: '/api/status', headers: { host: 'evil.example' } })).status).toBe(421);
    } finally {
      await stop(open);
    }
  });
});

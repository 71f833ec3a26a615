import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../security/raw-http.js';
import { startRig, type Rig } from './helpers.js';

/**
 * The schedule routes behind the same doors as every route: adding, changing and deleting are actions, so
 * another site's page cannot do them, and off loopback nothing is served without the token. Each refusal
 * leaves the schedules as they were; the request let through shows the same one would have worked.
 */
const BODY = JSON.stringify({ id: 'door', every: 60, enabled: false });

const ACTIONS: Array<[string, string, string | undefined]> = [
  ['POST', '/api/cameras/cam/schedules', BODY],
  ['PUT', '/api/cameras/cam/schedules/kept', JSON.stringify({ enabled: true })],
  ['DELETE', '/api/cameras/cam/schedules/kept', undefined],
];

async function rigWithOne(host: string): Promise<Rig> {
  const rig = await startRig({ config: { host } });
  await rig.server.services.schedules.add('cam', { id: 'kept', every: 60, enabled: false });
  return rig;
}

const unchanged = (rig: Rig): void => {
  expect(rig.server.services.schedules.list().map((s) => [s.id, s.enabled])).toEqual([['kept', false]]);
};

describe('the schedule routes, on loopback', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await rigWithOne('127.0.0.1');
  });

  afterAll(async () => {
    await rig?.server.close();
    if (rig) await rm(rig.dataDir, { recursive: true, force: true });
  });

  const CROSS: Array<[string, Record<string, string>]> = [
    ['as JSON from another site', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }],
    ['as text/plain (no preflight)', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }],
    ['from a sandboxed frame (Origin: null)', { origin: 'null', 'content-type': 'application/json' }],
  ];

  it.each(ACTIONS.flatMap(([method, path, body]) => CROSS.map(([how, headers]) => [method, how, path, body, headers] as const)))(
    'refuses %s %s with 403 E_CROSS_ORIGIN, and the schedules stay as they were',
    async (method, _how, path, body, headers) => {
      const res = await rawRequest(rig.server.port, { method, path, headers, body });
      expect(res.status).toBe(403);
      expect(res.json().error.code).toBe('E_CROSS_ORIGIN');
      unchanged(rig);
    },
  );

  it("lets the page itself act (so the refusals above were the doors')", async () => {
    const headers = { origin: `http://127.0.0.1:${rig.server.port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
    const put = await rawRequest(rig.server.port, { method: 'PUT', path: '/api/cameras/cam/schedules/kept', headers, body: JSON.stringify({ label: 'Kept' }) });
    expect(put.status).toBe(200);
    expect(put.json<{ label: string }>().label).toBe('Kept');
  });
});

describe('the schedule routes, reachable from other machines', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await rigWithOne('0.0.0.0');
  });

  afterAll(async () => {
    await rig?.server.close();
    if (rig) await rm(rig.dataDir, { recursive: true, force: true });
  });

  it.each([['GET', '/api/schedules', undefined] as [string, string, string | undefined], ['GET', '/api/cameras/cam/schedules', undefined], ...ACTIONS])(
    '%s %s without a token: 401 with how to get one, nothing done or shown',
    async (method, path, body) => {
      const res = await rawRequest(rig.server.port, { method, path, headers: { accept: 'application/json', 'content-type': 'application/json' }, body });
      expect(res.status).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('esp32cam token') });
      expect(res.text).not.toContain('kept');
      unchanged(rig);
    },
  );

  it('serves and acts with the token', async () => {
    const auth = { authorization: `Bearer ${rig.server.token!}`, 'content-type': 'application/json' };
    const post = await rawRequest(rig.server.port, { method: 'POST', path: '/api/cameras/cam/schedules', headers: auth, body: BODY });
    expect(post.status).toBe(201);
    const del = await rawRequest(rig.server.port, { method: 'DELETE', path: '/api/cameras/cam/schedules/door', headers: auth });
    expect(del.status).toBe(204);
    const list = await rawRequest(rig.server.port, { path: '/api/schedules', headers: auth });
    expect(list.json<{ schedules: Array<{ id: string }> }>().schedules.map((s) => s.id)).toEqual(['kept']);
  });
});

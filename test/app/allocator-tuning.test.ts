import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocatorAdvice, MALLOC_TUNABLES } from '../../host/src/app/allocator-tuning.js';

const report = process.report.getReport() as { header: { glibcVersionRuntime?: string }; sharedObjects: string[] };
const loader = report.sharedObjects.find((path) => /\/ld-linux[^/]*\.so/.test(path));
/** `ld.so --list-tunables` came with glibc 2.33. */
const [major, minor] = (report.header.glibcVersionRuntime ?? '0.0').split('.').map(Number);
const listsTunables = loader !== undefined && (major > 2 || (major === 2 && minor >= 33));

describe('glibc allocator tuning', () => {
  it('advises it only on glibc, and only when nobody tuned malloc', () => {
    const glibc = { platform: 'linux' as const, glibc: '2.36' };
    expect(allocatorAdvice({ ...glibc, env: {} })).toContain(`GLIBC_TUNABLES=${MALLOC_TUNABLES}`);
    expect(allocatorAdvice({ ...glibc, env: { GLIBC_TUNABLES: 'glibc.rtld.optional_static_tls=0' } })).toContain(MALLOC_TUNABLES);
    expect(allocatorAdvice({ ...glibc, env: { GLIBC_TUNABLES: MALLOC_TUNABLES } })).toBeUndefined();
    expect(allocatorAdvice({ ...glibc, env: { MALLOC_ARENA_MAX: '4' } })).toBeUndefined();
    expect(allocatorAdvice({ platform: 'linux', glibc: undefined, env: {} })).toBeUndefined(); // musl
    expect(allocatorAdvice({ platform: 'darwin', glibc: undefined, env: {} })).toBeUndefined();
  });

  it('is what npm start, npm run soak and the systemd unit start the service with', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`GLIBC_TUNABLES=\${GLIBC_TUNABLES:-${MALLOC_TUNABLES}} node bin/esp32cam.js serve`);
    expect(scripts.soak).toContain(`GLIBC_TUNABLES=\${GLIBC_TUNABLES:-${MALLOC_TUNABLES}} node`);
    expect(readFileSync('systemd/esp32cam.service', 'utf8')).toContain(`\nEnvironment=GLIBC_TUNABLES=${MALLOC_TUNABLES}\n`);
  });

  // The dynamic loader that starts node parses GLIBC_TUNABLES; a misspelt name would be ignored without a word.
  it.runIf(listsTunables)('is understood by this system’s glibc', () => {
    const listed = execFileSync(loader!, ['--list-tunables'], { env: { GLIBC_TUNABLES: MALLOC_TUNABLES }, encoding: 'utf8' });
    expect(listed).toMatch(/^glibc\.malloc\.arena_max: 0x2\b/m);
    expect(listed).toMatch(/^glibc\.malloc\.mmap_threshold: 0x8000\b/m);
  });
});

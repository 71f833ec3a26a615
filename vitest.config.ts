import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The simulated board runs MicroPython in worker threads and a real Chromium runs the UI tests;
    // both want room, and two cores is what CI has.
    testTimeout: 60_000,
    // expect.poll waits for an event by polling: its limit is a safety net, never the thing measured, so it
    // is as long as a test may take rather than vitest's 1 s, which a busy machine can outrun.
    expect: { poll: { timeout: 30_000 } },
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});

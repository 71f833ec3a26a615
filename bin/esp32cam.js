#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build` (run on install by `prepare`).
import('../dist/host/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/host')) {
    console.error('esp32cam: the compiled CLI is missing. Run `npm run build` in the esp32cam-host folder.');
    process.exit(1);
  }
  throw err;
});

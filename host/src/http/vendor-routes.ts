import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';

/** The package's folder, found through its main file (neither package exports its package.json). */
function packageDir(name: string): string {
  return dirname(dirname(createRequire(import.meta.url).resolve(name)));
}

/**
 * The browser libraries the page loads without a build step, served from node_modules as installed:
 * /vendor/xterm/lib/xterm.mjs, /vendor/xterm/css/xterm.css, /vendor/xterm-addon-fit/lib/addon-fit.mjs and
 * /vendor/socket.io/socket.io.min.js.
 */
export function vendorRoutes(): Router {
  const router = Router();
  const options = { dotfiles: 'ignore' as const, index: false, redirect: false, maxAge: '1d' };
  const xterm = packageDir('@xterm/xterm');
  const fit = packageDir('@xterm/addon-fit');
  // socket.io's own client, served here rather than by socket.io, so it passes the same doors as the page.
  const socketIo = packageDir('socket.io');
  router.use('/vendor/xterm/lib', express.static(join(xterm, 'lib'), options));
  router.use('/vendor/xterm/css', express.static(join(xterm, 'css'), options));
  router.use('/vendor/xterm-addon-fit/lib', express.static(join(fit, 'lib'), options));
  router.use('/vendor/socket.io', express.static(join(socketIo, 'client-dist'), options));
  return router;
}

#!/usr/bin/env node
// Builds the dashboard (ui/, React + Vite) into dist/ui/, which the gateway serves at /ui:
// `node scripts/build-ui.mjs`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
// Always the production build: Vite follows NODE_ENV when it is set, and a build started under
// jest (NODE_ENV=test) would otherwise ship React's development bundle.
process.env.NODE_ENV = 'production';
await build({ configFile: join(root, 'ui', 'vite.config.mjs'), mode: 'production' });
console.error(
  `ui: built ${join(root, 'dist', 'ui')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

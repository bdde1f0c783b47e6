#!/usr/bin/env node
// Builds the dashboard (ui/, React + Vite) into dist/ui/, which the gateway serves at /ui:
// `node scripts/build-ui.mjs`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
await build({ configFile: join(root, 'ui', 'vite.config.mjs') });
console.error(
  `ui: built ${join(root, 'dist', 'ui')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

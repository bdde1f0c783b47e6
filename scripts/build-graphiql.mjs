#!/usr/bin/env node
// Bundles GraphiQL, its React and the Monaco workers into dist/graphiql/ so that jobgate serves
// the page itself, offline: `node scripts/build-graphiql.mjs [outdir]`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(root, 'dist', 'graphiql'));
const assets = join(outdir, 'assets');
const minify = process.env.GRAPHIQL_MINIFY !== '0';

const common = {
  absWorkingDir: root,
  bundle: true,
  minify,
  sourcemap: false,
  legalComments: 'linked',
  target: ['es2022'],
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

const started = Date.now();
await rm(outdir, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

// The page: one ES module (lazy chunks beside it) and one stylesheet.
await build({
  ...common,
  entryPoints: { graphiql: join(root, 'scripts', 'graphiql', 'app.jsx') },
  outdir: assets,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  jsx: 'automatic',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  assetNames: '[name]-[hash]',
});

// Monaco's language services, as classic workers.
await build({
  ...common,
  entryPoints: {
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  outdir: assets,
  format: 'iife',
});

// The server fills <!--jobgate:config--> with the GraphQL path and, in development, the key.
const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>jobgate · GraphiQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
    <style>
      html, body, #graphiql { height: 100%; margin: 0; }
    </style>
    <!--jobgate:config-->
  </head>
  <body>
    <div id="graphiql"><noscript>GraphiQL needs JavaScript.</noscript></div>
    <script type="module" src="/graphiql/assets/graphiql.js"></script>
  </body>
</html>
`;
await writeFile(join(outdir, 'index.html'), html);
console.error(`graphiql: built ${outdir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/**
 * The folders are the layers, and nothing imports upward. Each source file gets the rank of
 * the longest layer prefix its path starts with; every relative import (static, `import()`
 * or `require`) must point at a file of the same rank or lower.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Bottom to top. A file's layer is the longest prefix that matches its path. */
const LAYERS: Array<{ name: string; prefixes: string[] }> = [
  {
    name: 'model',
    prefixes: [
      'src/model/',
      'src/config.ts',
      'src/logger.ts',
      'src/coalescer.ts',
      'src/periodic-pass.ts',
      'src/router.ts',
      'migrations/',
    ],
  },
  {
    name: 'adapters',
    prefixes: ['src/bus/', 'src/store/', 'src/auth/', 'src/registry/', 'src/sdk/', 'src/client/'],
  },
  { name: 'engines', prefixes: ['src/lanes/'] },
  { name: 'services', prefixes: ['src/jobs/', 'src/projection/'] },
  { name: 'transport types', prefixes: ['schema/', 'src/server/'] },
  { name: 'resolvers', prefixes: ['resolvers/'] },
  {
    name: 'composition',
    prefixes: [
      'src/compose/',
      'src/cli/',
      // The package's entry points put the public surface together.
      'src/sdk/index.ts',
      'src/sdk/workflow.ts',
      'src/sdk/start-worker.ts',
      'src/client/index.ts',
      'examples/',
    ],
  },
];

const layerOf = (file: string): { rank: number; name: string } | undefined => {
  let best: { rank: number; name: string; length: number } | undefined;
  LAYERS.forEach((layer, rank) => {
    for (const prefix of layer.prefixes) {
      if (file.startsWith(prefix) && (!best || prefix.length > best.length))
        best = { rank, name: layer.name, length: prefix.length };
    }
  });
  return best && { rank: best.rank, name: best.name };
};

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

// `require.resolve` is left out: it names a file (the bundler's entry for `jobgate/workflow`)
// without loading it into the module.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

const target = (from: string, spec: string): string => {
  const path = relative(ROOT, normalize(join(ROOT, dirname(from), spec))).replace(/\.js$/, '');
  return /\.\w+$/.test(path) ? path : `${path}.ts`;
};

describe('layers', () => {
  const files = ['src', 'resolvers', 'schema', 'examples'].flatMap(sources);

  it('gives every source file a layer', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => !layerOf(f))).toEqual([]);
  });

  it('has no import that points to a higher layer', () => {
    const upward: string[] = [];
    let edges = 0;
    for (const file of files) {
      const from = layerOf(file)!;
      for (const [, spec] of readFileSync(join(ROOT, file), 'utf8').matchAll(IMPORT)) {
        const to = layerOf(target(file, spec));
        if (!to) continue; // outside the layered folders (package.json, a built file)
        edges++;
        if (to.rank > from.rank) upward.push(`${file} (${from.name}) imports ${spec} (${to.name})`);
      }
    }
    expect(edges).toBeGreaterThan(300);
    expect(upward).toEqual([]);
  });

  it("keeps each engine one-way: its worker may use the lane's contract, the lane never the worker", () => {
    const engines = readdirSync(join(ROOT, 'src/lanes'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'worker')
      .map((e) => `src/lanes/${e.name}/`);
    expect(engines).toEqual(expect.arrayContaining(['src/lanes/bullmq/', 'src/lanes/temporal/']));
    const backward: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/lanes/'))) {
      const inWorker = /^src\/lanes\/([^/]+\/)?worker\//.test(file);
      for (const [, spec] of readFileSync(join(ROOT, file), 'utf8').matchAll(IMPORT)) {
        const to = target(file, spec);
        if (!inWorker && /^src\/lanes\/([^/]+\/)?worker\//.test(to))
          backward.push(`${file} imports ${spec}`);
      }
    }
    expect(backward).toEqual([]);
  });

  it('knows an upward import when it sees one', () => {
    const from = layerOf('src/lanes/temporal/worker/child-jobs.ts')!;
    const to = layerOf(
      target('src/lanes/temporal/worker/child-jobs.ts', '../../../jobs/flow-service'),
    )!;
    expect(to.rank).toBeGreaterThan(from.rank);
  });
});

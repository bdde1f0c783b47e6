import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { JobModuleError } from 'jobgate';
import { DEFINITION } from '../../src/sdk/definition-types';
import { loadJobModules } from '../../src/sdk/load-modules';

const DIST_SDK = join(__dirname, '..', '..', 'dist', 'src', 'sdk');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobgate-modules-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a module into the temporary directory; returns its path relative to the cwd. */
function module(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return relative(process.cwd(), join(dir, name));
}

/** The JobModuleError loading `specs` throws. */
async function moduleError(specs: string[]): Promise<JobModuleError> {
  const err = await loadJobModules(specs).then(
    () => new Error('loaded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobModuleError);
  return err as JobModuleError;
}

describe('loadJobModules', () => {
  it('collects named exports, arrays and objects of definitions, once each', async () => {
    const spec = module(
      'jobs.js',
      `const { defineJob, defineQueue } = require('jobgate');
       const a = defineJob({ name: 'a', run: async () => 1 });
       const b = defineJob({ name: 'b', run: async () => 2 });
       const q = defineQueue({ name: 'q', concurrency: 1 });
       module.exports = { a, all: [a, b], byName: { q }, helper: () => 0, n: 5 };`,
    );
    const defs = await loadJobModules([spec]);
    expect(defs.map((d) => `${d[DEFINITION]}:${d.name}`)).toEqual(['job:a', 'job:b', 'queue:q']);
  });

  it('merges several modules, the same definition once', async () => {
    const one = module(
      'one.js',
      `const { defineJob } = require('jobgate');
       exports.x = defineJob({ name: 'x', run: async () => 1 });`,
    );
    const two = module('two.js', `module.exports = [require('./one.js').x];`);
    const defs = await loadJobModules([one, two]);
    expect(defs.map((d) => d.name)).toEqual(['x']);
  });

  it('names a missing module', async () => {
    const err = await moduleError(['./no/such/jobs.js']);
    expect(err.module).toBe('./no/such/jobs.js');
    expect(err.message).toMatch(
      /^job module \.\/no\/such\/jobs\.js: not found \(looked for \/.+\)$/,
    );
  });

  it('names a module that throws while loading, with the cause', async () => {
    const spec = module('throws.js', `throw new Error('database url missing');`);
    const err = await moduleError([spec]);
    expect(err.message).toBe(`job module ${spec}: failed to load: database url missing`);
    expect((err.cause as Error).message).toBe('database url missing');
  });

  it('names a module with a syntax error', async () => {
    const spec = module('broken.js', `export const = ;`);
    expect((await moduleError([spec])).message).toContain(`job module ${spec}: failed to load:`);
  });

  it('names a module that exports no definition', async () => {
    const spec = module('empty.js', `exports.helper = () => 1; exports.list = [1, 2];`);
    expect((await moduleError([spec])).message).toBe(
      `job module ${spec}: exports no jobgate definition (defineJob, defineQueue or defineWorkflow)`,
    );
  });

  // Jest's sandbox cannot import ESM; Node itself does, with the built package.
  it('loads ESM and CommonJS modules in Node, with a default export', () => {
    if (!existsSync(join(DIST_SDK, 'load-modules.js'))) throw new Error('run npm run build first');
    const index = JSON.stringify(join(DIST_SDK, 'index.js'));
    module(
      'esm.mjs',
      `import { defineJob } from ${index};
       export default [defineJob({ name: 'esm.a', run: async () => 1 })];
       export const b = defineJob({ name: 'esm.b', run: async () => 2 });`,
    );
    module(
      'cjs.cjs',
      `const { defineJob } = require(${index});
       module.exports = { jobs: [defineJob({ name: 'cjs.a', run: async () => 1 })] };`,
    );
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(DIST_SDK, 'load-modules.js'))})
           .loadJobModules(['./esm.mjs', './cjs.cjs'])
           .then((d) => console.log(d.map((x) => x.name).join(',')));`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(out.trim().split(',').sort()).toEqual(['cjs.a', 'esm.a', 'esm.b']);
  });
});

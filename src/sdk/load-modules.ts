import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFINITION } from './definition-types';
import type { Definition } from './definition-types';
import { JobModuleError } from './job-module-error';

const isDefinition = (v: unknown): v is Definition =>
  !!v && (typeof v === 'object' || typeof v === 'function') && DEFINITION in v;

const isContainer = (v: unknown): v is object => !!v && typeof v === 'object' && !isDefinition(v);

/** A definition, or the definitions in an array or object (one level deep). */
function collect(value: unknown, into: Set<Definition>): void {
  if (isDefinition(value)) into.add(value);
  else if (isContainer(value))
    for (const v of Array.isArray(value) ? value : Object.values(value))
      if (isDefinition(v)) into.add(v);
}

/** A module's namespace: dynamic import, which loads CommonJS and ESM alike. */
async function load(abs: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    // A vm context without an import hook (a test runner's sandbox) cannot import at all;
    // there, require loads what it can. Any other failure is the module's own.
    const code = String((err as { code?: unknown }).code);
    if (!code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) throw err;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { default: require(abs) as unknown };
  }
}

/** Every definition a module's exports hold (named, default, or in arrays and objects one level deep). */
export function definitionsOf(moduleExports: unknown): Definition[] {
  const found = new Set<Definition>();
  collect(moduleExports, found);
  return [...found];
}

/**
 * Loads each `--jobs` module (a path relative to the working directory, CommonJS or ESM) and
 * returns every definition it exports: named exports, `default`, and arrays or objects of
 * definitions one level deep; the same definition once. Throws a JobModuleError naming the
 * module when one is missing, fails to load, or exports no definition.
 */
export async function loadJobModules(specs: string[]): Promise<Definition[]> {
  const all = new Set<Definition>();
  for (const spec of specs) {
    const abs = resolve(spec);
    if (!existsSync(abs)) throw new JobModuleError(spec, `not found (looked for ${abs})`);
    let ns: Record<string, unknown>;
    try {
      ns = await load(abs);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new JobModuleError(spec, `failed to load: ${why}`, { cause: err });
    }
    const found = new Set<Definition>();
    for (const [key, value] of Object.entries(ns)) {
      // A CommonJS module's exports arrive as `default`: its members are top-level exports.
      if (key === 'default' && isContainer(value) && !Array.isArray(value))
        for (const v of Object.values(value)) collect(v, found);
      else collect(value, found);
    }
    if (found.size === 0)
      throw new JobModuleError(
        spec,
        'exports no jobgate definition (defineJob, defineQueue or defineWorkflow)',
      );
    for (const d of found) all.add(d);
  }
  return [...all];
}

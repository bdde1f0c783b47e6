import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import { badInput } from '../model/app-error';
import type { JobTypeDefinition, JobTypeRegistration, JsonSchema } from '../model/job-type';
import { linearRegExp } from './linear-regexp';
import { DEFAULT_SCHEMA_LIMITS, schemaLimitProblem } from './schema-limits';
import type { SchemaLimits } from './schema-limits';

// addUsedSchema: false keeps each compiled schema out of the instance, so one type's `$id`
// can neither collide with another's (or with its own previous version) nor be `$ref`-ed.
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  addUsedSchema: false,
  code: { regExp: linearRegExp },
});
addFormats(ajv);

/** A type's compiled schemas: the input's, and each signal's. */
interface Compiled {
  input: ValidateFunction;
  signals: Map<string, ValidateFunction>;
}

/** What the cache keeps of a version: its compiled schemas, or why they are refused. */
type Entry = Compiled | { problem: string };

/**
 * Compiled schemas by `name@version`, bounded by the bytes of their source schemas. Only the
 * current version of each type is kept: preparing a new one drops the old.
 */
const compiled = new LRUCache<string, Entry>({
  maxSize: 64 * 1024 * 1024,
});
const currentKey = new Map<string, string>();

const keyOf = (name: string, version: string): string => `${name}@${version}`;

/** The schemas of a type, each with the field a problem in it is reported under. */
const schemasOf = (t: Pick<JobTypeRegistration, 'inputSchema' | 'signalSchemas'>) => [
  ['inputSchema', t.inputSchema ?? {}] as const,
  ...Object.entries(t.signalSchemas ?? {}).map(([s, v]) => [`signalSchemas.${s}`, v] as const),
];

function compileOne(field: string, schema: JsonSchema): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new Error(`${field} does not compile: ${(err as Error).message}`);
  }
}

function compileAll(t: Pick<JobTypeRegistration, 'inputSchema' | 'signalSchemas'>): Compiled {
  const signals = new Map<string, ValidateFunction>();
  for (const [s, v] of Object.entries(t.signalSchemas ?? {}))
    signals.set(s, compileOne(`signalSchemas.${s}`, v));
  return { input: compileOne('inputSchema', t.inputSchema ?? {}), signals };
}

/**
 * Why the gateway refuses a type's schemas, or null: one too big or too deep (see
 * schemaLimitProblem), or one ajv cannot compile, a pattern RE2 refuses (backreferences,
 * lookaround) and a `$id` given twice included. Compiles them to find out, and
 * caches nothing: use before storing a registration.
 */
export function schemaProblem(
  t: Pick<JobTypeRegistration, 'inputSchema' | 'signalSchemas'>,
  limits: SchemaLimits,
): string | null {
  for (const [field, schema] of schemasOf(t)) {
    const p = schemaLimitProblem(schema, limits);
    if (p) return `${field} ${p}`;
  }
  try {
    compileAll(t);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

/**
 * Vets a loaded type's schemas and compiles them into the cache (the registry does it when
 * it loads a version, so submissions find them compiled), dropping its previous version's.
 * Returns why they are refused, or null; a refused version is remembered, never compiled
 * again.
 */
export function prepareValidators(
  type: Pick<JobTypeDefinition, 'name' | 'version' | 'inputSchema' | 'signalSchemas'>,
  limits: SchemaLimits,
): string | null {
  const key = keyOf(type.name, type.version);
  const old = currentKey.get(type.name);
  if (old !== undefined && old !== key) compiled.delete(old);
  currentKey.set(type.name, key);
  const hit = compiled.get(key);
  if (hit) return 'problem' in hit ? hit.problem : null;
  let size = 0;
  let entry: Entry | undefined;
  for (const [field, schema] of schemasOf(type)) {
    const p = schemaLimitProblem(schema, limits);
    if (p) {
      entry = { problem: `${field} ${p}` };
      break;
    }
    size += JSON.stringify(schema).length;
  }
  if (!entry) {
    try {
      entry = compileAll(type);
    } catch (err) {
      entry = { problem: (err as Error).message };
    }
  }
  compiled.set(key, entry, {
    size: Math.max(1, 'problem' in entry ? entry.problem.length : size),
  });
  return 'problem' in entry ? entry.problem : null;
}

const refused = (type: JobTypeDefinition, why: string, field: string) =>
  badInput(
    `job type '${type.name}' cannot take submissions: its registered schema is refused (${why}); its worker must register a corrected version`,
    field,
  );

function compiledFor(type: JobTypeDefinition, field: string): Compiled {
  if (type.schemaProblem) throw refused(type, type.schemaProblem, field);
  let c = compiled.get(keyOf(type.name, type.version));
  // Evicted (or never loaded by a registry): vet and compile it again, within the limits.
  if (!c) {
    const problem = prepareValidators(type, DEFAULT_SCHEMA_LIMITS);
    if (problem) throw refused(type, problem, field);
    c = compiled.get(keyOf(type.name, type.version));
  }
  if (!c || 'problem' in c) throw refused(type, c?.problem ?? 'it could not be compiled', field);
  return c;
}

function report(
  validate: ValidateFunction,
  type: JobTypeDefinition,
  value: unknown,
  field: string,
): void {
  if (validate(value)) return;
  const err = validate.errors?.[0];
  const where = err ? `${field}${err.instancePath.replace(/\//g, '.')}` : field;
  const why = err
    ? `${err.message}${err.params && 'additionalProperty' in err.params ? ` (${String(err.params.additionalProperty)})` : ''}`
    : 'is invalid';
  throw badInput(`${where} ${why} for job type '${type.name}'`, where);
}

/** Checks `input` against the type's JSON Schema; BAD_USER_INPUT naming the first bad field otherwise. */
export const validateInput = (type: JobTypeDefinition, input: unknown, field = 'input'): void =>
  report(compiledFor(type, field).input, type, input, field);

/** Checks a signal payload against the schema the type declares for that signal. */
export function validateSignalPayload(
  type: JobTypeDefinition,
  signal: string,
  payload: unknown,
  field = 'payload',
): void {
  const v = compiledFor(type, field).signals.get(signal);
  // A signal declared without a schema takes any JSON.
  if (v) report(v, type, payload, field);
}

/** How many compiled types the cache holds (for tests and metrics). */
export const compiledCount = (): number => compiled.size;

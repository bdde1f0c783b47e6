import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { badInput } from '../model/app-error';
import type { JobTypeDefinition } from '../model/job-type';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

function check(
  cacheKey: string,
  schema: Record<string, unknown>,
  type: JobTypeDefinition,
  value: unknown,
  field: string,
): void {
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(cacheKey, validate);
  }
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
  check(`input:${type.name}:${type.version}`, type.inputSchema, type, input, field);

/** Checks a signal payload against the schema the type declares for that signal. */
export const validateSignalPayload = (
  type: JobTypeDefinition,
  signal: string,
  payload: unknown,
  field = 'payload',
): void =>
  check(
    `signal:${type.name}:${type.version}:${signal}`,
    type.signalSchemas[signal] ?? {},
    type,
    payload,
    field,
  );

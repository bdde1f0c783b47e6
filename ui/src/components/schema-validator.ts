import { Validator } from '@cfworker/json-schema';
import type { OutputUnit, Schema } from '@cfworker/json-schema';
import {
  ROOT_SCHEMA_PREFIX,
  createErrorHandler,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
} from '@rjsf/utils';
import type {
  CustomValidator,
  ErrorTransformer,
  RJSFSchema,
  RJSFValidationError,
  UiSchema,
  ValidationData,
  ValidatorType,
} from '@rjsf/utils';

// Errors that only say "a part below failed": the part's own error says what.
const WRAPPERS = new Set([
  'properties',
  'items',
  'prefixItems',
  'allOf',
  '$ref',
  'additionalItems',
]);

/** The draft a schema says it follows (zod-to-json-schema writes draft-07); 2020-12 otherwise. */
function draftOf(schema: RJSFSchema): '4' | '7' | '2019-09' | '2020-12' {
  const id = String(schema.$schema ?? '');
  if (id.includes('draft-04')) return '4';
  if (id.includes('draft-07') || id.includes('draft-06')) return '7';
  if (id.includes('2019-09')) return '2019-09';
  return '2020-12';
}

/**
 * The value to check: a form with no field (an object schema without properties, or `{}`)
 * leaves its data undefined, which stands for an empty object; JSON has no undefined.
 */
function present(schema: RJSFSchema, formData: unknown): unknown {
  if (formData !== undefined) return formData;
  return !schema.type || schema.type === 'object' ? {} : null;
}

/** '#/a/0/b' (a JSON pointer fragment) as rjsf's property path '.a.0.b'. */
const propertyOf = (location: string): string =>
  location
    .replace(/^#/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => `.${decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~')}`)
    .join('');

function toRjsf(unit: OutputUnit): RJSFValidationError {
  let property = propertyOf(unit.instanceLocation);
  let message = unit.error.replace(/^Instance /, 'must ').replace(/^must does/, 'does');
  // A missing property is the property's own error, as a person reads the form.
  const missing = /required property "([^"]+)"/.exec(unit.error);
  if (unit.keyword === 'required' && missing) {
    property = `${property}.${missing[1]}`;
    message = 'is a required property';
  }
  return {
    name: unit.keyword,
    property,
    message,
    params: {},
    schemaPath: unit.keywordLocation,
    stack: `${property || '.'} ${message}`.trim(),
  };
}

/**
 * rjsf's validator, on @cfworker/json-schema: it interprets the schema instead of compiling it
 * to code with `new Function` (which ajv does), so the dashboard keeps a CSP without
 * 'unsafe-eval'. The gateway still validates every submission with ajv.
 */
export class SchemaValidator implements ValidatorType {
  rawValidation<Result = OutputUnit>(
    schema: RJSFSchema,
    formData?: unknown,
  ): { errors?: Result[]; validationError?: Error } {
    try {
      const v = new Validator(schema as Schema, draftOf(schema), false);
      const r = v.validate(present(schema, formData));
      return { errors: r.errors as Result[] };
    } catch (e) {
      return { validationError: e as Error };
    }
  }

  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    const raw = this.rawValidation<OutputUnit>(schema, formData);
    let errors: RJSFValidationError[] = raw.validationError
      ? [
          {
            stack: `invalid schema: ${raw.validationError.message}`,
            message: raw.validationError.message,
          },
        ]
      : (raw.errors ?? []).filter((u) => !WRAPPERS.has(u.keyword)).map(toRjsf);
    const seen = new Set<string>();
    errors = errors.filter((e) => !seen.has(e.stack) && !!seen.add(e.stack));
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    let data: ValidationData<unknown> = { errors, errorSchema: toErrorSchema(errors) };
    if (customValidate) {
      const handler = customValidate(formData, createErrorHandler(formData), uiSchema);
      data = validationDataMerge(data, unwrapErrorHandler(handler));
    }
    return data;
  }

  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      const v = new Validator(schema as Schema, draftOf(rootSchema), true);
      // rjsf rewrites '#/...' references of sub-schemas to point at the root schema by this id.
      v.addSchema(rootSchema as Schema, ROOT_SCHEMA_PREFIX);
      return v.validate(present(rootSchema, formData)).valid;
    } catch {
      return false;
    }
  }
}

export const schemaValidator = new SchemaValidator();

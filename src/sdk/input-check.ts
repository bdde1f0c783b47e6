import type { ErrorObject } from 'ajv';
import type { JobDefinition, WorkflowDefinition } from './definition-types';
import { isZod, newAjv, toJsonSchema } from './json-schema';

/** The outcome of checking one input: the value `run` gets (zod's parsed output), or why not. */
export type InputCheck = { ok: true; value: unknown } | { ok: false; message: string };

type Issue = { path?: PropertyKey[]; message?: string };

/** `input.items.0.width`: where a zod issue or an ajv error points. */
const where = (path: readonly PropertyKey[]): string =>
  ['input', ...path.map((p) => String(p))].join('.');

function ajvMessage(err: ErrorObject | undefined): string {
  if (!err) return 'input is invalid';
  const extra =
    err.params && 'additionalProperty' in err.params
      ? ` (${String(err.params.additionalProperty)})`
      : '';
  return `${where(err.instancePath.split('/').slice(1))} ${err.message ?? 'is invalid'}${extra}`;
}

/**
 * The check a worker runs on every input before `run` (the gateway checked it already, against
 * the registered JSON Schema; this one also applies zod's refinements and defaults). zod
 * schemas through `safeParse`; JSON Schema through ajv, naming the field as the gateway does.
 */
export function inputChecker(
  def: JobDefinition | WorkflowDefinition,
): (input: unknown) => InputCheck {
  const schema = def.options.input;
  if (schema === undefined) return (input) => ({ ok: true, value: input });
  if (isZod(schema))
    return (input) => {
      const r = schema.safeParse(input);
      if (r.success) return { ok: true, value: r.data };
      const issue = (r.error as { issues?: Issue[] } | undefined)?.issues?.[0];
      return {
        ok: false,
        message: `${where(issue?.path ?? [])}: ${issue?.message ?? 'is invalid'}`,
      };
    };
  const validate = newAjv().compile(toJsonSchema(schema));
  return (input) =>
    validate(input)
      ? { ok: true, value: input }
      : { ok: false, message: ajvMessage(validate.errors?.[0]) };
}

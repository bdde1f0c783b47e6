import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { toJSONSchema as bundledZod4ToJsonSchema } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { ZodSchema } from 'zod';
import type { JsonSchema } from '../model/job-type';
import { linearRegExp } from '../registry/linear-regexp';
import type { SchemaLike, ZodLike } from './definition-types';

/**
 * An ajv as the gateway runs it: draft-07, formats, not strict about unknown keywords,
 * patterns through RE2 (linear time; backreferences and lookaround refused), and no schema
 * kept by its `$id`.
 */
export function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    addUsedSchema: false,
    code: { regExp: linearRegExp },
  });
  addFormats(ajv);
  return ajv;
}

/** True for a zod schema, 3 or 4 (anything with `safeParse`). */
export const isZod = (s: unknown): s is ZodLike =>
  !!s && typeof (s as { safeParse?: unknown }).safeParse === 'function';

type Zod4 = $ZodType & {
  toJSONSchema?: (params: object) => JsonSchema;
  _zod: { version?: { major: number; minor: number } };
};
type Zod4Core = {
  toJSONSchema: typeof bundledZod4ToJsonSchema;
  version?: { major: number; minor: number };
};

const ZOD4_PARAMS = { target: 'draft-7', io: 'input' } as const;

/**
 * zod 4's converter that knows `s`: its own method (zod 4 classic), else the `zod/v4/core`
 * of the project running us when it is as new as the schema (zod/mini), else ours. An older
 * core converts a newer schema's shape but silently drops some of its checks.
 */
function zod4ToJsonSchema(s: Zod4): JsonSchema {
  if (typeof s.toJSONSchema === 'function') return s.toJSONSchema(ZOD4_PARAMS);
  const want = s._zod.version;
  try {
    const core = createRequire(join(process.cwd(), 'package.json'))('zod/v4/core') as Zod4Core;
    if (want && core.version?.major === want.major && core.version.minor >= want.minor)
      return core.toJSONSchema(s, ZOD4_PARAMS) as JsonSchema;
  } catch {
    // No zod in the project: ours below.
  }
  return bundledZod4ToJsonSchema(s, ZOD4_PARAMS) as JsonSchema;
}

/** The JSON Schema of a zod schema (zod 3 or 4), before checks. */
function fromZod(s: ZodLike): JsonSchema {
  if ('_zod' in s) return zod4ToJsonSchema(s as unknown as Zod4);
  // zod 3: the maintained converter; the input side of transforms, defaults and pipes.
  return zodToJsonSchema(s as unknown as ZodSchema, {
    target: 'jsonSchema7',
    effectStrategy: 'input',
    pipeStrategy: 'input',
  }) as JsonSchema;
}

/**
 * The JSON Schema the registry keeps for `schema`: zod 3 through zod-to-json-schema, zod 4
 * through its own converter, a JSON Schema object as is; none (`undefined`) is `{}`, any
 * JSON. Throws, saying why, when the result is not JSON or does not compile in ajv (draft-07,
 * as the gateway validates).
 */
export function toJsonSchema(schema: SchemaLike | undefined): JsonSchema {
  if (schema === undefined) return {};
  let out: JsonSchema;
  if (isZod(schema)) {
    out = fromZod(schema);
    // The converters name their draft; the gateway's ajv knows draft-07 without it.
    delete out.$schema;
  } else if (schema && typeof schema === 'object' && !Array.isArray(schema)) {
    out = schema;
  } else {
    throw new Error('is neither a zod schema nor a JSON Schema object');
  }
  let json: JsonSchema;
  try {
    json = JSON.parse(JSON.stringify(out)) as JsonSchema;
  } catch (err) {
    throw new Error(`is not JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    newAjv().compile(json);
  } catch (err) {
    throw new Error(`does not compile as JSON Schema (draft-07): ${(err as Error).message}`, {
      cause: err,
    });
  }
  return json;
}

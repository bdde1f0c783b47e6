import { z } from 'zod';
import { z as z4bundled } from 'zod/v4';
import { newAjv, toJsonSchema } from '../../src/sdk/json-schema';
import { installZod4 } from '../helpers/zod4';
import type { Zod4Install } from '../helpers/zod4';

const resize = {
  type: 'object',
  properties: {
    width: { type: 'integer', exclusiveMinimum: 0 },
    name: { type: 'string', minLength: 1 },
  },
  required: ['width'],
  additionalProperties: false,
};

/** ajv's verdict on `value` against `schema`, as the gateway would give it. */
const accepts = (schema: Record<string, unknown>, value: unknown): boolean =>
  newAjv().compile(schema)(value) as boolean;

describe('toJsonSchema', () => {
  it('is {} (any JSON) without a schema', () => {
    expect(toJsonSchema(undefined)).toEqual({});
  });

  it('keeps a JSON Schema object as it is', () => {
    expect(toJsonSchema(resize)).toEqual(resize);
  });

  it('converts a zod 3 schema through zod-to-json-schema, without $schema', () => {
    const s = toJsonSchema(
      z.object({ width: z.number().int().positive(), name: z.string().min(1).optional() }),
    );
    expect(s.$schema).toBeUndefined();
    expect(s).toMatchObject({
      type: 'object',
      properties: { width: { type: 'integer', exclusiveMinimum: 0 }, name: { minLength: 1 } },
      required: ['width'],
      additionalProperties: false,
    });
    expect(accepts(s, { width: 3 })).toBe(true);
    expect(accepts(s, { width: 0 })).toBe(false);
  });

  it('describes the input side of a zod default or transform', () => {
    const s = toJsonSchema(
      z.object({ size: z.number().default(1), tag: z.string().transform((t) => t.length) }),
    );
    expect(s.required).toEqual(['tag']);
    expect(accepts(s, { tag: 'x' })).toBe(true);
  });

  it('converts a zod 4 schema (zod/v4 of the zod 3.25 jobgate depends on)', () => {
    const s = toJsonSchema(z4bundled.object({ width: z4bundled.number().int().positive() }));
    expect(s.$schema).toBeUndefined();
    expect(s.properties).toEqual({
      width: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    });
  });

  it('refuses a schema that does not compile, saying why', () => {
    expect(() => toJsonSchema({ type: 'object', required: 'width' })).toThrow(
      'does not compile as JSON Schema (draft-07)',
    );
  });

  it('refuses a zod schema JSON Schema cannot express', () => {
    expect(() => toJsonSchema(z4bundled.object({ at: z4bundled.date() }))).toThrow();
  });

  describe('with a real zod 4 install', () => {
    let zod4: Zod4Install;
    beforeAll(() => {
      zod4 = installZod4();
    }, 120_000);
    afterAll(() => zod4?.remove());

    it('converts its schemas with every check kept', () => {
      const { zod } = zod4;
      expect(zod.string()._zod.version.major).toBe(4);
      const s = toJsonSchema(
        zod.object({
          width: zod.number().int().positive(),
          email: zod.email().optional(),
          kind: zod.enum(['a', 'b']).default('a'),
        }),
      );
      expect(s.$schema).toBeUndefined();
      expect(s).toMatchObject({
        properties: {
          width: { type: 'integer', exclusiveMinimum: 0 },
          email: { type: 'string', format: 'email' },
          kind: { enum: ['a', 'b'] },
        },
        required: ['width'],
      });
      expect(accepts(s, { width: 2, email: 'a@b.co' })).toBe(true);
      expect(accepts(s, { width: 2, email: 'nope' })).toBe(false);
      expect(accepts(s, { width: -2 })).toBe(false);
    });

    it("converts a zod/mini schema with the project's own zod", () => {
      const { mini } = zod4;
      const cwd = process.cwd();
      process.chdir(zod4.dir);
      try {
        const s = toJsonSchema(mini.object({ w: mini.number().check(mini.minimum(3)) }));
        expect(s.properties).toEqual({ w: { type: 'number', minimum: 3 } });
      } finally {
        process.chdir(cwd);
      }
    });
  });
});

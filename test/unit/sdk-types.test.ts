// Typing is checked by the compiler, so these tests run tsc on small programs and read its verdict.
import { compile as tscCompile } from '../helpers/tsc';

const compile = (source: string): string => tscCompile(source, 'sdk-types');

describe("run's input type", () => {
  it('comes from a zod 3 or zod 4 schema, and a JSON Schema job may say its own', () => {
    const out = compile(`
      import { z } from 'zod';
      import { z as z4 } from 'zod/v4';
      import { defineJob, defineWorkflow } from 'jobgate';

      export const resize = defineJob({
        name: 'images.resize',
        input: z.object({ url: z.string().url(), width: z.number().int() }),
        async run(input, ctx) {
          const w: number = input.width;
          await ctx.log(input.url.toUpperCase());
          return { width: w };
        },
      });
      export const four = defineJob({
        name: 'four',
        input: z4.object({ n: z4.number() }),
        run: async ({ n }) => n + 1,
      });
      export const sleep = defineJob({
        name: 'sleep',
        input: { type: 'object', properties: { ms: { type: 'integer' } } },
        run: async ({ ms }: { ms: number }) => ms,
      });
      export const untyped = defineJob({ name: 'echo', run: async (input) => input });
      export const approve = defineWorkflow({
        name: 'approve',
        input: z.object({ id: z.string() }),
        workflowsPath: __filename,
        workflowName: 'approve',
        signals: { ok: z.object({ by: z.string() }) },
        activities: { charge: async (n: number) => n },
      });
    `);
    expect(out).toBe('');
  }, 60_000);

  it('rejects a run that misuses its zod-typed input', () => {
    const out = compile(`
      import { z } from 'zod';
      import { z as z4 } from 'zod/v4';
      import { defineJob } from 'jobgate';

      export const resize = defineJob({
        name: 'images.resize',
        input: z.object({ width: z.number() }),
        run: async (input) => input.width.toUpperCase(),
      });
      export const typo = defineJob({
        name: 'typo',
        input: z4.object({ width: z4.number() }),
        run: async (input) => input.widht,
      });
      export const wrong = defineJob({
        name: 'wrong',
        input: z.object({ width: z.number() }),
        run: async (input: { width: string }) => input.width,
      });
    `);
    expect(out).toContain("Property 'toUpperCase' does not exist on type 'number'");
    expect(out).toContain("Property 'widht' does not exist");
    expect(out).toMatch(/program\.ts\(19,\d+\): error TS2322/);
    expect(out.match(/error TS/g)).toHaveLength(3);
  }, 60_000);
});

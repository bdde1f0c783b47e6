// Typing is checked by the compiler, so these tests run tsc on small programs and read its verdict.
import { compile as tscCompile } from '../helpers/tsc';

const compile = (source: string): string => tscCompile(source, 'client-types');

const DEFINITIONS = `
  import { z } from 'zod';
  import { defineJob, defineWorkflow } from 'jobgate';
  import { createClient, JobgateError } from 'jobgate/client';
  import type { Job } from 'jobgate/client';

  export const resize = defineJob({
    name: 'images.resize',
    input: z.object({ url: z.string().url(), width: z.number().int() }),
    run: async ({ url, width }) => ({ url, bytes: width * 100 }),
  });
  export const approve = defineWorkflow({
    name: 'orders.approve',
    input: z.object({ orderId: z.string() }),
    workflowsPath: __filename,
    workflowName: 'approve',
  });
  export const echo = defineJob({ name: 'echo', run: async (input) => input });
  const jg = createClient({ url: 'http://localhost:4000/graphql', apiKey: 'k' });
`;

describe("the client's submit", () => {
  it('takes the input a definition declares, a name with any input, and types the result', () => {
    const out = compile(`${DEFINITIONS}
      export async function main(): Promise<void> {
        const job = await jg.submit(resize, { url: 'https://x.test/a.png', width: 640 }, {
          priority: 'HIGH',
          idempotencyKey: 'k-1',
          estimatedDurationSeconds: 5,
        });
        const bytes: number | undefined = job.result?.bytes;
        const finished = await jg.wait(job);
        const again: number | undefined = finished.result?.bytes;
        await jg.submit(approve, { orderId: 'o-1' }, { backend: 'TEMPORAL' });
        await jg.submit(echo, { anything: [1, 2, 3] });
        await jg.submit('images.resize', { whatever: true });
        const many: Job[] = await jg.submitMany([
          { type: resize, input: { url: 'https://x.test/b.png', width: 1 } },
          { type: 'echo', input: 1, delayMs: 10 },
        ]);
        const done = await jg.wait(job.id, { timeoutMs: 1000 });
        for await (const e of jg.events({ jobId: done.id, after: '1-0', types: ['COMPLETED'] }))
          console.log(e.type, e.id, bytes, again, many.length);
        await jg.close();
      }
      export const isError = (e: unknown): string | undefined =>
        e instanceof JobgateError ? e.field ?? e.code : undefined;
    `);
    expect(out).toBe('');
  }, 120_000);

  it('rejects a wrong input to a definition-typed submit at compile time', () => {
    const out = compile(`${DEFINITIONS}
      export async function main(): Promise<void> {
        await jg.submit(resize, { url: 'https://x.test/a.png', width: '640' });
        await jg.submit(resize, { url: 'https://x.test/a.png' });
        await jg.submit(approve, { order: 'o-1' });
        await jg.submit(resize, { url: 'u', width: 1 }, { priority: 'URGENT' });
      }
    `);
    expect(out).toMatch(
      /program\.ts\(22,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
    expect(out).toMatch(/program\.ts\(23,\d+\): error TS2345: .*Property 'width' is missing/s);
    expect(out).toMatch(/program\.ts\(24,\d+\): error TS2561: .*'order' does not exist/);
    expect(out).toMatch(/program\.ts\(25,\d+\): error TS2322: Type '"URGENT"'/);
    expect(out.match(/error TS/g)).toHaveLength(4);
  }, 120_000);
});

import { z } from 'zod';
import { defineJob, defineQueue, defineWorkflow, DefinitionError } from 'jobgate';
import { DEFINITION } from '../../src/sdk/definition-types';

const run = async (): Promise<null> => null;

/** The DefinitionError `fn` throws. */
function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return err as DefinitionError;
  }
  throw new Error('no DefinitionError thrown');
}

describe('defineJob', () => {
  it('returns a frozen, branded definition carrying its options', () => {
    const input = z.object({ width: z.number() });
    const def = defineJob({ name: 'images.resize', input, run });
    expect(def[DEFINITION]).toBe('job');
    expect(def.name).toBe('images.resize');
    expect(def.options.input).toBe(input);
    expect(Object.isFrozen(def)).toBe(true);
  });

  it.each([
    ['', 'name'],
    ['1abc', 'name'],
    ['a b', 'name'],
    ['x'.repeat(101), 'name'],
  ])('refuses the name %j', (name, field) => {
    const e = definitionError(() => defineJob({ name, run }));
    expect(e.field).toBe(field);
    expect(e.message).toContain('must be 1-100 of [A-Za-z0-9_.:-] starting with a letter');
  });

  it('accepts every character the contract allows', () => {
    expect(defineJob({ name: 'a.b_c:d-E9', run }).name).toBe('a.b_c:d-E9');
  });

  it.each([
    ['maxAttempts', { maxAttempts: 0 }, 'must be an integer > 0 (got 0)'],
    ['maxAttempts', { maxAttempts: 1.5 }, 'must be an integer > 0 (got 1.5)'],
    ['backoffMs', { backoffMs: -1 }, 'must be an integer >= 0 (got -1)'],
    ['timeoutMs', { timeoutMs: 0 }, 'must be an integer > 0'],
    ['timeoutMs', { timeoutMs: 3_000_000_000 }, 'must be an integer > 0 and <= 2147483647'],
    ['queue', { queue: 'a:b' }, 'must be 1-100 of [A-Za-z0-9_.-]'],
    ['lane', { lane: 'AUTO' }, "must be 'BULLMQ' or 'TEMPORAL'"],
    ['sensitive', { sensitive: 'cardToken' }, 'must be an array of non-empty strings'],
    ['input', { input: 'string' }, 'must be a zod schema or a JSON Schema object'],
    ['run', { run: undefined }, 'must be a function'],
  ])('names the type and the field %s when it is wrong', (field, bad, problem) => {
    const e = definitionError(() => defineJob({ name: 'thumbs', run, ...(bad as object) }));
    expect(e).toMatchObject({ typeName: 'thumbs', field });
    expect(e.message).toContain(`job type 'thumbs': ${field} ${problem}`);
  });
});

describe('defineQueue', () => {
  it('keeps its limits', () => {
    const q = defineQueue({
      name: 'images',
      concurrency: 2,
      globalConcurrency: 4,
      rateLimit: { max: 10, durationMs: 1000 },
    });
    expect(q).toMatchObject({ name: 'images', concurrency: 2, [DEFINITION]: 'queue' });
  });

  it('names the queue and the field when a limit is wrong', () => {
    expect(() => defineQueue({ name: 'images', concurrency: 0 })).toThrow(
      "queue 'images': concurrency must be an integer > 0 (got 0)",
    );
    expect(() =>
      defineQueue({ name: 'images', rateLimit: { max: 5 } as { max: number; durationMs: number } }),
    ).toThrow("queue 'images': rateLimit.durationMs must be an integer > 0 (got null)");
  });
});

describe('defineWorkflow', () => {
  const base = { name: 'orders.approve', workflowsPath: __filename, workflowName: 'approve' };

  it('returns a branded workflow definition', () => {
    const def = defineWorkflow({ ...base, signals: { ok: z.object({ by: z.string() }) } });
    expect(def[DEFINITION]).toBe('workflow');
  });

  it.each([
    ['workflowsPath', { workflowsPath: './workflows.js' }, 'must be an absolute path'],
    ['workflowName', { workflowName: 'approve-order' }, 'must be a JavaScript identifier'],
    ['signals.ok', { signals: { ok: 5 } }, 'must be a zod schema or a JSON Schema object'],
    ['queries', { queries: [''] }, 'must be an array of non-empty strings'],
    ['activities.charge', { activities: { charge: 'no' } }, 'must be a function'],
  ])('names the type and the field %s when it is wrong', (field, bad, problem) => {
    const e = definitionError(() => defineWorkflow({ ...base, ...(bad as object) }));
    expect(e).toMatchObject({ typeName: 'orders.approve', field });
    expect(e.message).toContain(problem);
  });
});

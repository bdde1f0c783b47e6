import { z } from 'zod';
import { defineJob, defineQueue, defineWorkflow, DefinitionError } from 'jobgate';
import { inputChecker } from '../../src/sdk/input-check';
import { definitionVersion, toRegistration } from '../../src/sdk/registration';
import { resolveDefinitions } from '../../src/sdk/resolve';

const run = async (): Promise<null> => null;
const workflow = { workflowsPath: __filename, workflowName: 'approve' };

describe('toRegistration', () => {
  it("fills a job's defaults from the contract", () => {
    expect(toRegistration(defineJob({ name: 'resize', run }))).toEqual({
      name: 'resize',
      description: '',
      defaultBackend: 'BULLMQ',
      flowControl: {},
      queue: 'default',
      inputSchema: {},
      maxAttempts: 3,
      backoffMs: 1000,
      timeoutMs: 30_000,
      signals: [],
      signalSchemas: {},
      queries: [],
      workflowOnly: false,
      workflowName: null,
      sensitiveFields: [],
    });
  });

  it("fills a workflow's defaults and lists its signals and queries", () => {
    const reg = toRegistration(
      defineWorkflow({
        name: 'approve',
        ...workflow,
        signals: { approve: z.object({ by: z.string() }) },
        queries: ['state'],
        sensitive: ['email'],
      }),
    );
    expect(reg).toMatchObject({
      defaultBackend: 'TEMPORAL',
      workflowOnly: true,
      workflowName: 'approve',
      maxAttempts: 1,
      timeoutMs: 30 * 24 * 3_600_000,
      signals: ['approve'],
      queries: ['state'],
      sensitiveFields: ['email'],
    });
    expect(reg.signalSchemas.approve).toMatchObject({ required: ['by'] });
  });

  it('names the type and the field of a schema that cannot compile', () => {
    const def = defineJob({ name: 'bad', input: { type: 'nope' }, run });
    expect(() => toRegistration(def)).toThrow(DefinitionError);
    expect(() => toRegistration(def)).toThrow("job type 'bad': input does not compile");
    const wf = defineWorkflow({ name: 'badsig', ...workflow, signals: { go: { minimum: 'x' } } });
    expect(() => toRegistration(wf)).toThrow("job type 'badsig': signals.go does not compile");
  });
});

describe('definitionVersion', () => {
  const reg = toRegistration(defineJob({ name: 'resize', input: { type: 'object' }, run }));

  it('is 16 hex digits, the same for the same definition whatever the key order', () => {
    const v = definitionVersion(reg);
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    const reordered = Object.fromEntries(Object.entries(reg).reverse()) as typeof reg;
    expect(definitionVersion(reordered)).toBe(v);
    expect(
      definitionVersion(
        toRegistration(defineJob({ name: 'resize', input: { type: 'object' }, run })),
      ),
    ).toBe(v);
  });

  it('changes when anything in the definition changes', () => {
    const v = definitionVersion(reg);
    expect(definitionVersion({ ...reg, timeoutMs: 1 })).not.toBe(v);
    expect(definitionVersion({ ...reg, inputSchema: { type: 'array' } })).not.toBe(v);
  });
});

describe('resolveDefinitions', () => {
  const sagaStep = async (): Promise<null> => null;

  it('indexes jobs, workflows, queues and the merged activities', () => {
    const job = defineJob({ name: 'resize', queue: 'images', run });
    const queue = defineQueue({ name: 'images', concurrency: 2 });
    const wf = defineWorkflow({ name: 'saga', ...workflow, activities: { sagaStep } });
    const other = defineWorkflow({ name: 'saga2', ...workflow, activities: { sagaStep } });
    const r = resolveDefinitions([wf, job, queue, other, job]);
    expect(r.types.map((t) => t.name)).toEqual(['resize', 'saga', 'saga2']);
    expect(r.types[0].version).toBe(definitionVersion(toRegistration(job)));
    expect([...r.jobs.keys()]).toEqual(['resize']);
    expect([...r.workflows.keys()]).toEqual(['saga', 'saga2']);
    expect(r.queues.get('images')).toBe(queue);
    expect(r.activities).toEqual({ sagaStep });
  });

  it('refuses two definitions with one name, naming the type', () => {
    expect(() =>
      resolveDefinitions([defineJob({ name: 'resize', run }), defineJob({ name: 'resize', run })]),
    ).toThrow("job type 'resize': is defined twice");
    expect(() =>
      resolveDefinitions([
        defineJob({ name: 'resize', run }),
        defineWorkflow({ name: 'resize', ...workflow }),
      ]),
    ).toThrow("job type 'resize': is defined twice");
  });

  it('refuses one activity name bound to two functions', () => {
    const a = defineWorkflow({ name: 'a', ...workflow, activities: { step: sagaStep } });
    const b = defineWorkflow({ name: 'b', ...workflow, activities: { step: async () => 1 } });
    expect(() => resolveDefinitions([a, b])).toThrow(
      "job type 'b': activities.step is another function than the activity 'step' of 'a'",
    );
  });

  it('refuses a schema that cannot compile, naming the type', () => {
    expect(() =>
      resolveDefinitions([defineJob({ name: 'broken', input: { type: 12 }, run })]),
    ).toThrow(/job type 'broken': input does not compile/);
  });
});

describe('inputChecker', () => {
  it('parses with zod, naming the field path', () => {
    const check = inputChecker(
      defineJob({
        name: 'resize',
        input: z.object({ width: z.number(), tags: z.array(z.string()).default([]) }),
        run,
      }),
    );
    expect(check({ width: 3 })).toEqual({ ok: true, value: { width: 3, tags: [] } });
    expect(check({ width: '3' })).toEqual({
      ok: false,
      message: 'input.width: Expected number, received string',
    });
    expect(check('x')).toEqual({ ok: false, message: 'input: Expected object, received string' });
  });

  it('checks JSON Schema with ajv, naming the field as the gateway does', () => {
    const check = inputChecker(
      defineJob({
        name: 'sleep',
        input: {
          type: 'object',
          properties: { ms: { type: 'integer' } },
          required: ['ms'],
          additionalProperties: false,
        },
        run,
      }),
    );
    expect(check({ ms: 5 })).toEqual({ ok: true, value: { ms: 5 } });
    expect(check({ ms: 'x' })).toEqual({ ok: false, message: 'input.ms must be integer' });
    expect(check({ ms: 1, extra: 1 })).toEqual({
      ok: false,
      message: 'input must NOT have additional properties (extra)',
    });
  });

  it('lets any input through without a schema', () => {
    expect(inputChecker(defineJob({ name: 'echo', run }))(undefined)).toEqual({
      ok: true,
      value: undefined,
    });
  });
});

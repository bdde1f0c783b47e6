import * as examples from '../../examples';
import { resolveDefinitions } from '../../src/sdk/resolve';

describe('the examples', () => {
  const { types, jobs, workflows, activities } = resolveDefinitions(Object.values(examples));
  const byName = Object.fromEntries(types.map((t) => [t.name, t]));

  it('define the eight demo types, processors and workflows', () => {
    expect([...jobs.keys()].sort()).toEqual(['charge', 'echo', 'fail', 'flaky', 'sleep']);
    expect([...workflows.keys()].sort()).toEqual(['approval', 'batch', 'saga']);
    expect(Object.keys(activities).sort()).toEqual(['batchItem', 'sagaCompensate', 'sagaStep']);
  });

  it('keep their policies', () => {
    const policy = (n: string) => {
      const t = byName[n];
      return [t.defaultBackend, t.maxAttempts, t.backoffMs, t.timeoutMs, t.workflowOnly];
    };
    expect(policy('echo')).toEqual(['BULLMQ', 3, 200, 30_000, false]);
    expect(policy('sleep')).toEqual(['BULLMQ', 3, 1000, 3_600_000, false]);
    expect(policy('flaky')).toEqual(['BULLMQ', 5, 100, 30_000, false]);
    expect(policy('fail')).toEqual(['BULLMQ', 2, 100, 30_000, false]);
    expect(policy('charge')).toEqual(['BULLMQ', 3, 1000, 30_000, false]);
    expect(policy('approval')).toEqual(['TEMPORAL', 1, 1000, 30 * 24 * 3_600_000, true]);
    expect(policy('saga')).toEqual(['TEMPORAL', 3, 1000, 3_600_000, true]);
    expect(policy('batch')).toEqual(['TEMPORAL', 3, 1000, 3_600_000, true]);
    expect(byName.charge.sensitiveFields).toEqual(['cardToken']);
    expect(byName.approval).toMatchObject({ signals: ['approve', 'reject'], queries: ['state'] });
    expect(byName.approval.signalSchemas.approve).toMatchObject({ required: ['by'] });
  });

  it('run their processors as before', async () => {
    const ctx = {
      jobId: 'j',
      attempt: 1,
      signal: new AbortController().signal,
      progress: async () => undefined,
      log: async () => undefined,
      children: async () => [],
    };
    expect(await examples.echo.options.run({ a: 1 }, ctx)).toEqual({ a: 1 });
    expect(await examples.sleep.options.run({ ms: 10 }, ctx)).toEqual({ sleptMs: 10 });
    await expect(examples.flaky.options.run({ failTimes: 1 }, ctx)).rejects.toThrow(
      'flaky: planned failure 1 of 1',
    );
    await expect(examples.fail.options.run({}, ctx)).rejects.toThrow('fail: this job always fails');
    expect(await examples.charge.options.run({ amount: 5, cardToken: 't' }, ctx)).toEqual({
      charged: 5,
    });
  });
});

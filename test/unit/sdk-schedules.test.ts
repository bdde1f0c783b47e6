import { z } from 'zod';
import { defineJob, defineWorkflow, DefinitionError } from 'jobgate';
import { resolveDefinitions } from '../../src/sdk/resolve';

const run = async (): Promise<null> => null;

function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return err as DefinitionError;
  }
  throw new Error('no DefinitionError thrown');
}

describe('defineJob schedules', () => {
  it('keeps well-formed schedules, typed from the input schema, out of the registered version', () => {
    const input = z.object({ day: z.string() });
    const plain = defineJob({ name: 'reports.nightly', input, run });
    const scheduled = defineJob({
      name: 'reports.nightly',
      input,
      schedules: [
        { id: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin', input: { day: 'today' } },
        { id: 'often', everyMs: 60_000, overlap: 'BUFFER_ONE' },
      ],
      run,
    });
    const [a] = resolveDefinitions([plain]).types;
    const r = resolveDefinitions([scheduled]);
    // A schedule is not part of the type: adding one does not change its version.
    expect(r.types[0].version).toBe(a.version);
    expect(r.schedules.map((s) => [s.id, s.type])).toEqual([
      ['nightly', 'reports.nightly'],
      ['often', 'reports.nightly'],
    ]);
  });

  it.each([
    [[{ id: 'x', cron: '* * * * *', everyMs: 5000 }], 'schedules[0]'],
    [[{ id: 'x' }], 'schedules[0]'],
    [[{ id: 'x', cron: 'every day' }], 'schedules[0].cron'],
    [[{ id: 'x', everyMs: 500 }], 'schedules[0].everyMs'],
    [[{ id: 'x', everyMs: 5000, timezone: 'Nowhere/Land' }], 'schedules[0].timezone'],
    [[{ id: 'x', everyMs: 5000, overlap: 'SOMETIMES' }], 'schedules[0].overlap'],
    [[{ id: 'bad id', everyMs: 5000 }], 'schedules[0].id'],
    [
      [
        { id: 'x', everyMs: 5000 },
        { id: 'x', everyMs: 6000 },
      ],
      'schedules[1].id',
    ],
  ])('rejects %j, naming %s', (schedules, field) => {
    const err = definitionError(() =>
      defineJob({ name: 'bad.schedule', schedules: schedules as never, run }),
    );
    expect(err.message).toContain(field);
  });

  it('refuses one schedule id declared by two types', () => {
    const a = defineJob({ name: 'a.job', schedules: [{ id: 'same', everyMs: 5000 }], run });
    const b = defineJob({ name: 'b.job', schedules: [{ id: 'same', everyMs: 5000 }], run });
    expect(definitionError(() => resolveDefinitions([a, b])).message).toContain("'same'");
  });
});

describe('defineWorkflow schedules', () => {
  const workflow = (schedules: unknown) =>
    defineWorkflow({
      name: 'reports.workflow',
      workflowsPath: '/srv/app/workflows.js',
      workflowName: 'report',
      schedules: schedules as never,
    });

  it('resolves them on TEMPORAL, the only lane a workflow runs on', () => {
    const r = resolveDefinitions([workflow([{ id: 'weekly', cron: '0 6 * * 1' }])]);
    expect(r.schedules).toEqual([
      { id: 'weekly', cron: '0 6 * * 1', type: 'reports.workflow', lane: 'TEMPORAL' },
    ]);
  });

  it('checks them as defineJob does, naming the field', () => {
    expect(definitionError(() => workflow([{ id: 'x', everyMs: 10 }])).message).toContain(
      'schedules[0].everyMs',
    );
  });

  it('refuses a schedule id a job type declares too', () => {
    const job = defineJob({ name: 'a.job', schedules: [{ id: 'weekly', everyMs: 5000 }], run });
    expect(
      definitionError(() => resolveDefinitions([job, workflow([{ id: 'weekly', everyMs: 5000 }])]))
        .message,
    ).toContain("'weekly'");
  });
});

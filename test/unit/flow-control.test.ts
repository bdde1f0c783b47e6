import { defineJob, defineWorkflow } from '../../src/sdk';
import { toRegistration } from '../../src/sdk/registration';
import { DefinitionError } from '../../src/sdk/definition-error';
import { flowControlProblem, flowKeysOf } from '../../src/model/flow-control';
import { scopedKey } from '../../src/lanes/flow-gate-keys';
import { fairPriority, FAIR_SPAN } from '../../src/lanes/bullmq/bullmq-priority';
import { Priority } from '../../src/model/enums';

const schema = {
  type: 'object',
  properties: {
    acct: { type: 'string' },
    user: { type: 'object', properties: { id: { type: 'integer' } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

describe('flow-control keys', () => {
  it('accepts a key path the input schema declares, nested too', () => {
    expect(flowControlProblem({ concurrency: { key: 'input.acct', limit: 2 } }, schema)).toBeNull();
    expect(
      flowControlProblem({ rateLimit: { key: 'input.user.id', max: 1, perMs: 10 } }, schema),
    ).toBeNull();
  });

  it.each([
    [{ concurrency: { key: 'input.nope', limit: 2 } }, /does not declare/],
    [{ concurrency: { key: 'acct', limit: 2 } }, /must be a path into the input/],
    [{ concurrency: { key: 'input.tags', limit: 2 } }, /string, number or boolean/],
    [
      { concurrency: { key: 'input.acct', limit: 0 } },
      /concurrency.limit must be a positive integer/,
    ],
    [{ rateLimit: { key: 'input.acct', max: 2, perMs: -1 } }, /rateLimit.perMs/],
    [{ debounce: { key: 'input.user', ms: 10 } }, /string, number or boolean/],
    [{ deduplicate: { key: 'input.acct', ttlMs: 1.5 } }, /deduplicate.ttlMs/],
  ])('refuses %j', (fc, message) => {
    expect(flowControlProblem(fc as never, schema)).toMatch(message);
  });

  it('refuses a key under a schema that declares no fields (any JSON)', () => {
    expect(flowControlProblem({ deduplicate: { key: 'input.acct' } }, {})).toMatch(
      /does not declare/,
    );
  });

  it('reads each key from the input, and names a missing one', () => {
    const fc = {
      concurrency: { key: 'input.acct', limit: 1 },
      debounce: { key: 'input.user.id', ms: 5 },
    };
    expect(flowKeysOf(fc, { acct: 'a', user: { id: 7 } })).toEqual({
      keys: { concurrency: 'a', debounce: '7' },
    });
    expect(flowKeysOf(fc, { acct: 'a' })).toEqual({
      missing: { option: 'debounce', path: 'input.user.id' },
    });
    expect(flowKeysOf(fc, { acct: { x: 1 }, user: { id: 1 } })).toEqual({
      missing: { option: 'concurrency', path: 'input.acct' },
    });
  });

  it('scopes a key by tenant and type', () => {
    const k = scopedKey('concurrency', 't1', 'a', 'v');
    expect(k).not.toBe(scopedKey('concurrency', 't2', 'a', 'v'));
    expect(k).not.toBe(scopedKey('concurrency', 't1', 'b', 'v'));
    expect(k).not.toBe(scopedKey('deduplicate', 't1', 'a', 'v'));
    expect(k).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('registration', () => {
  const run = async () => null;

  it('refuses a job whose key path the schema does not have, naming the type', () => {
    const def = defineJob({
      name: 'acct.sync',
      input: schema,
      concurrency: { key: 'input.account', limit: 2 },
      run,
    });
    expect(() => toRegistration(def)).toThrow(DefinitionError);
    expect(() => toRegistration(def)).toThrow(
      /job type 'acct.sync': concurrency.key 'input.account' names a field the input schema does not declare/,
    );
  });

  it('refuses it on a workflow too', () => {
    const def = defineWorkflow({
      name: 'acct.flow',
      input: schema,
      workflowsPath: __filename,
      workflowName: 'x',
      debounce: { key: 'input.missing', ms: 100 },
    });
    expect(() => toRegistration(def)).toThrow(/job type 'acct.flow': debounce.key/);
  });

  it('registers the options it was given', () => {
    const def = defineJob({
      name: 'acct.ok',
      input: schema,
      rateLimit: { key: 'input.acct', max: 5, perMs: 1000 },
      deduplicate: { key: 'input.acct' },
      run,
    });
    expect(toRegistration(def).flowControl).toEqual({
      rateLimit: { key: 'input.acct', max: 5, perMs: 1000 },
      deduplicate: { key: 'input.acct' },
    });
  });
});

describe('fair priorities', () => {
  it('keep the priority bands apart and order turns within a band', () => {
    expect(fairPriority(Priority.CRITICAL, 10_000_000)).toBeLessThan(fairPriority(Priority.HIGH));
    expect(fairPriority(Priority.NORMAL, 0)).toBeLessThan(fairPriority(Priority.NORMAL, 1));
    expect(fairPriority(Priority.LOW, FAIR_SPAN * 10)).toBeLessThanOrEqual(2_097_152);
    expect(fairPriority(Priority.CRITICAL)).toBe(1);
  });
});

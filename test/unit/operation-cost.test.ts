import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { nestsDeeperThan } from '../../src/model/json-depth';
import { operationCost, operationRefusal } from '../../src/server/operation-policy';

/** The cost of an operation is judged with its variables applied, on the contract's schema. */
const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
const cost = (q: string, v?: Record<string, unknown>): number => operationCost(schema, parse(q), v);
const limits = { maxCost: 50_000, maxInputDepth: 100 };

describe('operation cost', () => {
  it('counts `first` from a variable like a literal, and a default like either', () => {
    const byVar = cost('query($n: Int) { jobs(first: $n) { edges { node { id } } } }', { n: 500 });
    const literal = cost('{ jobs(first: 500) { edges { node { id } } } }');
    const byDefault = cost('query($n: Int = 500) { jobs(first: $n) { edges { node { id } } } }');
    expect(byVar).toBe(literal);
    expect(byDefault).toBe(literal);
    // jobs' own default page is 50.
    expect(cost('{ jobs { edges { node { id } } } }')).toBe(
      cost('{ jobs(first: 50) { edges { node { id } } } }'),
    );
    // 500 jobs of an edge, a node and an id each (2 + 2 + 1), once: the list counts, not the text.
    expect(literal).toBe(2 + 500 * 5);
  });

  it('refuses 30 aliases of jobs(first: $n) with events and logs, given by a variable', () => {
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: jobs(first: $n) { edges { node { events { id } logs { id } } } }`,
    ).join(' ');
    const doc = parse(`query($n: Int) { ${aliases} }`);
    const r = operationRefusal(schema, doc, { n: 500 }, undefined, limits);
    expect(r?.extensions.code).toBe('BAD_USER_INPUT');
    expect(r?.message).toMatch(/Cost limit of 50000 exceeded/);
    // Left to its default (50 jobs, 100 events and 100 logs each) it is refused too.
    expect(
      operationRefusal(schema, parse(`query($n: Int) { ${aliases} }`), {}, undefined, limits),
    ).toBeDefined();
  });

  it('weighs totalCount (a count in Postgres) and workflow (a call to Temporal)', () => {
    const counts = Array.from({ length: 30 }, (_, i) => `c${i}: jobs { totalCount }`).join(' ');
    expect(operationRefusal(schema, parse(`{ ${counts} }`), {}, undefined, limits)).toBeDefined();
    expect(
      operationRefusal(schema, parse('{ jobs { totalCount } }'), {}, undefined, limits),
    ).toBeUndefined();
    const describes = '{ jobs(first: 500) { edges { node { workflow { workflowId } } } } }';
    expect(operationRefusal(schema, parse(describes), {}, undefined, limits)).toBeDefined();
  });

  it("lets the dashboard's and the CLI's largest pages through", () => {
    const events =
      'id jobId jobType type queue source timestamp progress attempt message activityId meta';
    const pages = [
      `query($id: ID!, $after: ID) { job(id: $id) { events(first: 500, after: $after) { ${events} } } }`,
      'query($after: String) { jobs(first: 500, after: $after) { edges { node { id type status backend queue createdAt startedAt finishedAt } } pageInfo { endCursor hasNextPage } } }',
      'query($after: String) { jobs(first: 100, after: $after) { edges { node { events { id } } } } }',
      '{ jobs(first: 100) { edges { node { id events { id type } } } } }',
      '{ jobs(first: 50) { totalCount edges { node { id status workflow { workflowId runId } } } } }',
    ];
    for (const q of pages) {
      expect(operationRefusal(schema, parse(q), { id: 'x' }, undefined, limits)).toBeUndefined();
    }
  });

  it('refuses variables nested deeper than MAX_INPUT_DEPTH, even 200,000 levels, without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const doc = parse('mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }');
    const r = operationRefusal(
      schema,
      doc,
      { i: { type: 'echo', input: deep } },
      undefined,
      limits,
    );
    expect(r?.extensions.code).toBe('BAD_USER_INPUT');
    expect(r?.message).toMatch(/MAX_INPUT_DEPTH/);
    let ok: unknown = 1;
    for (let i = 0; i < 100; i++) ok = [ok];
    expect(
      operationRefusal(schema, doc, { i: { type: 'echo', input: ok } }, undefined, limits),
    ).toBeUndefined();
    expect(nestsDeeperThan(ok, 100)).toBe(false);
    expect(nestsDeeperThan([ok], 100)).toBe(true);
  });
});

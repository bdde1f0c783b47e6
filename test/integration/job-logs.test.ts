import { Role } from '../../src/model/enums';
import { submit } from '../helpers/ops';
import { jobBus, storedLines } from '../helpers/logs';
import type { LoggedJob } from '../helpers/logs';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
let acme: string;
let globex: string;

beforeAll(async () => {
  // No worker: the jobs stay QUEUED and their lines come from the test alone.
  stack = await startStack({ bullmqWorker: false });
  acme = await stack.createKey('acme', 'OPERATOR');
  globex = await stack.createKey('globex', 'VIEWER');
});
afterAll(() => stack.close());

interface Line {
  id: string;
  at: string;
  attempt: number | null;
  line: string;
}

const LOGS = `query($id: ID!, $first: Int, $after: ID) {
  job(id: $id) { id logs(first: $first, after: $after) { id at attempt line } }
}`;

async function newJob(): Promise<LoggedJob> {
  const j = await submit(stack, { type: 'echo', input: { hello: 1 } }, acme);
  return { id: j.id, type: 'echo', queue: j.queue as string, tenant: 'acme' };
}

async function page(id: string, first?: number, after?: string, key = acme) {
  return stack.gql<{ job: { logs: Line[] } | null }>(LOGS, { id, first, after }, key);
}

describe('Job.logs', () => {
  it('reads the lines a job logged, oldest first, in pages with first and after', async () => {
    const job = await newJob();
    const bus = jobBus(stack);
    const lines = Array.from({ length: 7 }, (_, i) => `line ${i + 1}`);
    await bus.log(job, lines.slice(0, 4), 1);
    await bus.log(job, lines.slice(4), 2);
    await storedLines(stack, job.id, 7);

    const all = (await page(job.id)).data!.job!.logs;
    expect(all.map((l) => l.line)).toEqual(lines);
    expect(all.map((l) => l.attempt)).toEqual([1, 1, 1, 1, 2, 2, 2]);
    expect(Date.parse(all[0].at)).not.toBeNaN();

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const got = (await page(job.id, 3, after)).data!.job!.logs;
      seen.push(...got.map((l) => l.line));
      if (got.length < 3) break;
      after = got.at(-1)!.id;
    }
    expect(seen).toEqual(lines);
  });

  it('leaves out the events of the job that are not LOG lines', async () => {
    const job = await newJob();
    await jobBus(stack).log(job, ['only line']);
    await storedLines(stack, job.id, 1);
    const r = await stack.gql<{ job: { events: { type: string }[]; logs: Line[] } }>(
      'query($id: ID!) { job(id: $id) { events { type } logs { line } } }',
      { id: job.id },
      acme,
    );
    expect(r.data!.job.events.map((e) => e.type)).toEqual(['QUEUED', 'LOG']);
    expect(r.data!.job.logs).toEqual([{ line: 'only line' }]);
  });

  it("does not show another tenant's job or its lines", async () => {
    const job = await newJob();
    await jobBus(stack).log(job, ['secret']);
    await storedLines(stack, job.id, 1);
    expect((await page(job.id, 10, undefined, globex)).data?.job).toBeNull();
    const service = stack.app.services.registry;
    await expect(
      service.logs({ tenant: 'globex', role: Role.VIEWER, keyId: 'k' }, job.id),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: `job ${job.id} was not found` });
    const own = await service.logs({ tenant: 'acme', role: Role.VIEWER, keyId: 'k' }, job.id);
    expect(own.map((l) => l.line)).toEqual(['secret']);
  });

  it('answers BAD_USER_INPUT for first outside 1..1000 and an after that is no line id', async () => {
    const job = await newJob();
    for (const first of [0, 1001]) {
      const r = await page(job.id, first);
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toBe(`first must be between 1 and 1000 (got ${first})`);
    }
    const r = await page(job.id, 10, 'yesterday');
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/after: 'yesterday' is not a log line id/);
  });

  it('costs the same number of SQL statements for 2 jobs as for 20', async () => {
    const jobs = await Promise.all(Array.from({ length: 20 }, () => newJob()));
    const bus = jobBus(stack);
    await Promise.all(jobs.map((j) => bus.log(j, [`from ${j.id}`])));
    await Promise.all(jobs.map((j) => storedLines(stack, j.id, 1)));
    const count = async (first: number): Promise<number> => {
      const before = stack.app.queries.count;
      const r = await stack.gql<{ jobs: { edges: { node: { logs: Line[] } }[] } }>(
        `{ jobs(first: ${first}) { edges { node { id logs(first: 5) { line } } } } }`,
        {},
        acme,
      );
      expect(r.data!.jobs.edges.every((e) => e.node.logs.length >= 1)).toBe(true);
      return stack.app.queries.count - before;
    };
    const for2 = await count(2);
    expect(await count(20)).toBe(for2);
  });
});

import { Client as PgClient } from 'pg';
import { encodeJobCursor } from '../../src/model/job-cursor';
import { Role } from '../../src/model/enums';
import { migrate } from '../../src/store/data-source';
import { dropDatabase, PG_BASE, startBenchStack } from '../lib/bench-stack';
import { GqlHttp } from '../lib/gql-http';
import { round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { median, percentile } from '../lib/stats';

const QUERY =
  'query($after: String) { jobs(first: 100, after: $after) { edges { node { events { id } } } } }';
const EVENTS_PER_JOB = 10;
const JOBS_PER_TENANT = 200_000;
/** 2024-01-01T00:00:00Z: event ids and creation times of the loaded data start here. */
const BASE_MS = 1_704_067_200_000;

interface Size {
  jobs: number;
  events: number;
  tenants: number;
}

const marker = (s: Size, indexes: number): string =>
  `jobgate-bench ${s.jobs} jobs ${s.events} events ${s.tenants} tenants ${indexes} indexes`;
const INDEX_COUNT = `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('jobs', 'job_events')`;

/**
 * Fills `jobs` and `job_events` with generate_series: secondary indexes are
 * dropped first and rebuilt after, as a bulk load does. A comment on
 * job_events remembers the size, so a later run with the same size reuses
 * the data (pass --fresh to reload).
 */
async function load(
  database: string,
  size: Size,
  fresh: boolean,
  say: (l: string) => void,
): Promise<void> {
  const url = `${PG_BASE}/${database}`;
  await migrate(url);
  const check = new PgClient({ connectionString: url });
  await check.connect();
  const { rows } = await check.query<{ c: string | null }>(
    `SELECT obj_description('job_events'::regclass, 'pg_class') AS c`,
  );
  const { rows: count } = await check.query<{ n: number }>(INDEX_COUNT);
  await check.end();
  if (!fresh && rows[0].c === marker(size, count[0].n)) {
    say(`query at scale: reusing the loaded data (${rows[0].c})`);
    return;
  }
  // From a new database, so that a load cut short leaves nothing half-indexed behind.
  await dropDatabase(database);
  await migrate(url);
  say(
    `query at scale: loading ${size.jobs} jobs and ${size.events} events with generate_series (once; kept for later runs)`,
  );
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    const t0 = performance.now();
    await pg.query(`SET synchronous_commit = off`);
    await pg.query(`SET maintenance_work_mem = '512MB'`);
    const { rows: indexes } = await pg.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE schemaname = 'public' AND tablename IN ('jobs', 'job_events')
         AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    );
    for (const i of indexes) await pg.query(`DROP INDEX "${i.name}"`);
    await pg.query(
      `INSERT INTO jobs (id, tenant, type, backend, routing_reason, queue, status, priority, progress, attempts,
         max_attempts, input, result, created_at, started_at, finished_at, updated_at, last_event_ms, last_event_seq)
       SELECT 'job-' || lpad(i::text, 8, '0'), 't' || (i % $2), 'echo', 'BULLMQ', 'default of job type echo', 'default',
         'SUCCEEDED', 'NORMAL', 100, 1, 3, jsonb_build_object('n', i), '{"ok": true}'::jsonb,
         to_timestamp(($3::bigint + (i - 1) * 10) / 1000.0), to_timestamp(($3::bigint + (i - 1) * 10 + 1) / 1000.0),
         to_timestamp(($3::bigint + (i - 1) * 10 + 9) / 1000.0), now(), $3::bigint + (i - 1) * 10 + 9, 0
       FROM generate_series(1, $1::int) AS i`,
      [size.jobs, size.tenants, BASE_MS],
    );
    say(`query at scale: jobs loaded (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    await pg.query(
      `INSERT INTO job_events (ms, seq, tenant, job_id, type, source, job_type, queue, attempt, progress, meta, ts)
       SELECT $3::bigint + j, 0, 't' || (i % $2), 'job-' || lpad(i::text, 8, '0'),
         (ARRAY['QUEUED','STARTED','PROGRESS','PROGRESS','PROGRESS','PROGRESS','PROGRESS','PROGRESS','PROGRESS','COMPLETED'])[k + 1],
         'BULLMQ', 'echo', 'default', CASE WHEN k > 0 THEN 1 END, CASE WHEN k BETWEEN 2 AND 8 THEN (k - 1) * 12 END,
         CASE WHEN k = 9 THEN '{"result": {"ok": true}}'::jsonb END, to_timestamp(($3::bigint + j) / 1000.0)
       FROM generate_series(0, $1::int - 1) AS j, LATERAL (SELECT j / ${EVENTS_PER_JOB} + 1 AS i, j % ${EVENTS_PER_JOB} AS k) AS x`,
      [size.events, size.tenants, BASE_MS],
    );
    say(
      `query at scale: events loaded (${((performance.now() - t0) / 1000).toFixed(0)} s); rebuilding ${indexes.length} indexes`,
    );
    for (const i of indexes) await pg.query(i.def);
    await pg.query(`VACUUM ANALYZE jobs`);
    await pg.query(`VACUUM ANALYZE job_events`);
    const { rows: after } = await pg.query<{ n: number }>(INDEX_COUNT);
    await pg.query(`COMMENT ON TABLE job_events IS '${marker(size, after[0].n)}'`);
    say(`query at scale: loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await pg.end();
  }
}

interface Sample {
  ms: number;
  statements: number;
}

/**
 * query at scale: `jobs(first: 100) { edges { node { events { id } } } }`,
 * page 1 and page 1,000 (by cursor) of one tenant, over HTTP one at a time;
 * SQL statements per request from the data source's counter.
 */
export async function queryScaleMetrics(ctx: BenchContext): Promise<MetricResult[]> {
  const jobs = ctx.quick ? 100_000 : 1_000_000;
  const size: Size = {
    jobs,
    events: jobs * EVENTS_PER_JOB,
    tenants: Math.max(1, jobs / JOBS_PER_TENANT),
  };
  const database = ctx.quick ? 'jobgate_bench_scale_quick' : 'jobgate_bench_scale';
  const requests = ctx.quick ? 50 : 300;
  await load(database, size, process.argv.includes('--fresh'), ctx.say);
  const stack = await startBenchStack({
    database,
    keepDatabase: true,
    gateway: true,
    aggregator: false,
    bullmqWorker: false,
  });
  const http = new GqlHttp(stack.url, await stack.key('t0', Role.VIEWER), 1);
  try {
    // Pages 1..999 hold 99,900 jobs of the tenant: the cursor of the last of them opens page 1,000.
    const [row]: { created_at: Date; id: string }[] = await stack.app.ds.query(
      `SELECT created_at, id FROM jobs WHERE tenant = 't0' ORDER BY created_at DESC, id DESC OFFSET 99899 LIMIT 1`,
    );
    if (!row) throw new Error('the loaded data has fewer than 99,900 jobs in tenant t0');
    const page1000 = encodeJobCursor({ createdAt: row.created_at, id: row.id });
    type Page = { jobs: { edges: { node: { events: { id: string }[] } }[] } };
    const one = async (after: string | null): Promise<Sample> => {
      const before = stack.app.queries.count;
      const t0 = performance.now();
      const data = await http.post<Page>(QUERY, { after });
      const ms = performance.now() - t0;
      const edges = data.jobs.edges;
      if (edges.length !== 100 || edges.some((e) => e.node.events.length !== EVENTS_PER_JOB)) {
        throw new Error(
          `page ${after ? 1000 : 1} came back with ${edges.length} jobs; expected 100 with ${EVENTS_PER_JOB} events each`,
        );
      }
      return { ms, statements: stack.app.queries.count - before };
    };
    ctx.say(`query at scale: ${requests} requests each of page 1 and page 1,000, alternating`);
    for (let i = 0; i < 20; i++) await one(i % 2 ? page1000 : null);
    const first: Sample[] = [];
    const deep: Sample[] = [];
    for (let i = 0; i < requests; i++) {
      first.push(await one(null));
      deep.push(await one(page1000));
    }
    const p99 = (s: Sample[]): number =>
      percentile(
        s.map((x) => x.ms),
        99,
      );
    const stmts = (s: Sample[]): { max: number; median: number } => ({
      max: Math.max(...s.map((x) => x.statements)),
      median: median(s.map((x) => x.statements)),
    });
    const s1 = stmts(first);
    const s1000 = stmts(deep);
    const sizeNote = `${size.jobs} jobs, ${size.events} events, ${size.tenants} tenant(s); VIEWER of t0; ${requests} sequential requests per page`;
    return [
      {
        name: 'query page 1 p99',
        unit: 'ms',
        jobgate: round(p99(first)),
        baseline: null,
        ratio: null,
        target: 'p99 < 50 ms',
        pass: p99(first) < 50,
        notes: `${sizeNote}; p50 ${median(first.map((x) => x.ms)).toFixed(1)} ms`,
      },
      {
        name: 'query page 1000 p99',
        unit: 'ms',
        jobgate: round(p99(deep)),
        baseline: null,
        ratio: null,
        target: 'p99 < 50 ms',
        pass: p99(deep) < 50,
        notes: `by cursor; p50 ${median(deep.map((x) => x.ms)).toFixed(1)} ms`,
      },
      {
        name: 'SQL statements per query',
        unit: 'statements',
        jobgate: Math.max(s1.max, s1000.max),
        baseline: null,
        ratio: null,
        target: 'constant, <= 3',
        pass: s1.max <= 3 && s1000.max <= 3 && s1.median === s1000.median,
        notes: `page 1: median ${s1.median}, max ${s1.max}; page 1,000: median ${s1000.median}, max ${s1000.max} (the max includes the API key lookup, cached 5 s)`,
      },
    ];
  } finally {
    http.close();
    await stack.close();
  }
}

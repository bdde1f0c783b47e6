import type { Redis } from 'ioredis';
import { eventFromEntry } from '../../src/bus/event-emitter';
import type { JobEvent } from '../../src/model/job-event';
import { defineJob } from '../../src/sdk';
import type { GqlHttp } from './gql-http';
import { percentile, sleep, wallMs } from './stats';

/** The queue the bench's worker serves: fairness runs. */
export const FAIR_QUEUE = 'bench-fair';
/** A queue no worker serves: its jobs are only submitted (the submit-path cost). */
export const SUBMIT_QUEUE = 'bench-fair-submit';

export const KEYED = 'bench.fair.keyed';
export const PLAIN = 'bench.fair.plain';
export const SUBMIT_KEYED = 'bench.fairsubmit.keyed';
export const SUBMIT_PLAIN = 'bench.fairsubmit.plain';

const input = {
  type: 'object',
  properties: { acct: { type: 'string' }, ms: { type: 'integer' } },
  required: ['acct'],
};
const run = async (i: { ms?: number }): Promise<null> => {
  await sleep(i.ms ?? 0);
  return null;
};

/** The same job four times: keyed (concurrency on input.acct) and unkeyed, on each queue. */
export const fairDefinitions = (limit: number) => {
  const concurrency = { key: 'input.acct', limit };
  return [
    defineJob({ name: KEYED, queue: FAIR_QUEUE, input, concurrency, run }),
    defineJob({ name: PLAIN, queue: FAIR_QUEUE, input, run }),
    defineJob({ name: SUBMIT_KEYED, queue: SUBMIT_QUEUE, input, concurrency, run }),
    defineJob({ name: SUBMIT_PLAIN, queue: SUBMIT_QUEUE, input, run }),
  ];
};

/** Reads the event stream onwards from where the previous read ended. */
export class EventTail {
  private last = '0-0';

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
  ) {}

  async read(): Promise<JobEvent[]> {
    const entries = await this.redis.xrange(this.stream, `(${this.last}`, '+', 'COUNT', 10_000);
    if (entries.length) this.last = entries[entries.length - 1][0];
    return entries.map(([id, fields]) => eventFromEntry(id, fields));
  }
}

interface Life {
  queued?: number;
  started?: number;
  done?: number;
}

/** Times of each job of `ids` from its events (first QUEUED, first STARTED, COMPLETED), once all completed. */
export async function lives(
  tail: EventTail,
  ids: string[],
  timeoutMs: number,
): Promise<Map<string, Life>> {
  const out = new Map<string, Life>(ids.map((id) => [id, {}]));
  let left = ids.length;
  const until = Date.now() + timeoutMs;
  while (left > 0) {
    const events = await tail.read();
    for (const e of events) {
      const l = out.get(e.jobId);
      if (!l) continue;
      const t = Date.parse(e.timestamp);
      if (e.type === 'QUEUED') l.queued ??= t;
      else if (e.type === 'STARTED') l.started ??= t;
      else if (e.type === 'COMPLETED' && l.done === undefined) {
        l.done = t;
        left--;
      } else if (e.type === 'FAILED' || e.type === 'CANCELLED')
        throw new Error(`job ${e.jobId} ended ${e.type}: ${e.message ?? ''}`);
    }
    if (left > 0) {
      if (Date.now() > until)
        throw new Error(`${left} of ${ids.length} jobs not done in ${timeoutMs} ms`);
      if (events.length < 10_000) await sleep(50);
    }
  }
  return out;
}

export interface FairLoad {
  keys: number;
  /** Jobs of the hot key. */
  hot: number;
  /** Jobs of each quiet key. */
  quiet: number;
  sleepMs: number;
}

export interface FairRun {
  /** Waits (STARTED - QUEUED) of the quiet keys' jobs, ms. */
  quietP50: number;
  quietP99: number;
  hotP99: number;
  /** First submission to the last COMPLETED, ms. */
  makespanMs: number;
}

const SUBMIT_MANY = 'mutation($is: [SubmitJobInput!]!) { submitJobs(inputs: $is) { id } }';
const BATCH = 50;

/** Submits `inputs` of `type` in batches of 50, 8 in flight, in order; resolves to the ids in order. */
async function submitAll(http: GqlHttp, type: string, inputs: object[]): Promise<string[]> {
  const batches: object[][] = [];
  for (let i = 0; i < inputs.length; i += BATCH) batches.push(inputs.slice(i, i + BATCH));
  const ids: string[][] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const at = next++;
      const r = await http.post<{ submitJobs: { id: string }[] }>(SUBMIT_MANY, {
        is: batches[at].map((i) => ({ type, input: i, backend: 'BULLMQ' })),
      });
      ids[at] = r.submitJobs.map((j) => j.id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return ids.flat();
}

/**
 * One run of the skewed load on `type`: the hot key's jobs first, then, once they are all
 * accepted, the quiet keys' jobs interleaved (q1, q2, ..., q1, q2, ...). Waits until every
 * job completed. `tag` keeps each run's keys apart.
 */
export async function fairRun(
  http: GqlHttp,
  tail: EventTail,
  type: string,
  load: FairLoad,
  tag: string,
): Promise<FairRun> {
  const ms = load.sleepMs;
  const hotInputs = Array.from({ length: load.hot }, () => ({ acct: `${tag}-hot`, ms }));
  const quietInputs = Array.from({ length: load.quiet * (load.keys - 1) }, (_, i) => ({
    acct: `${tag}-q${i % (load.keys - 1)}`,
    ms,
  }));
  const t0 = wallMs();
  const hotIds = await submitAll(http, type, hotInputs);
  const quietIds = await submitAll(http, type, quietInputs);
  const all = await lives(tail, [...hotIds, ...quietIds], 300_000);
  const waits = (ids: string[]): number[] =>
    ids.map((id) => {
      const l = all.get(id)!;
      if (l.queued === undefined || l.started === undefined)
        throw new Error(`job ${id} completed without a QUEUED or STARTED event on the stream`);
      return l.started - l.queued;
    });
  const quiet = waits(quietIds);
  const end = Math.max(...[...all.values()].map((l) => l.done!));
  return {
    quietP50: percentile(quiet, 50),
    quietP99: percentile(quiet, 99),
    hotP99: percentile(waits(hotIds), 99),
    makespanMs: end - t0,
  };
}

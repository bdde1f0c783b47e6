import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { BusEmitter } from '../../src/bus/event-emitter';
import type { Definition } from '../../src/sdk/definition-types';
import { eventFromEntry } from '../../src/bus/event-emitter';
import type { JobEvent } from '../../src/model/job-event';
import { Reconciler } from '../../src/projection/reconciler';
import type { ReconcilerOptions } from '../../src/projection/reconciler';
import { TemporalLane } from '../../src/lanes/temporal/temporal-lane';
import { startStack } from './stack';
import type { Stack } from './stack';
import { testTemporalAddress } from './temporal-server';

export interface TemporalStackOptions {
  /** Settings over the test defaults. */
  env?: Record<string, string>;
  /** Run a Temporal worker in this process. @defaultValue true */
  worker?: boolean;
  /** Wraps the emitter the in-process worker uses (to simulate lost events). */
  workerEmitter?: (e: BusEmitter) => BusEmitter;
  /** Run a reconciler with these options. @defaultValue none */
  reconciler?: ReconcilerOptions;
  /** Definitions the in-process worker serves. @defaultValue the bundled examples */
  jobs?: Definition[];
  /** BullMQ queues this process works on; false for none (jobs wait for a worker process). @defaultValue every queue */
  bullmqWorker?: string[] | false;
}

export interface TemporalStack extends Stack {
  prefix: string;
  temporalAddress: string;
  lane: TemporalLane;
  reconciler: Reconciler | null;
  /** A job's events on the bus (the Redis stream), in bus order. */
  busEvents(jobId: string): Promise<JobEvent[]>;
  /** Waits until the job has an event of `type` on the bus (matching `where`), and returns it. */
  waitForEvent(
    jobId: string,
    type: string,
    where?: (e: JobEvent) => boolean,
    timeoutMs?: number,
  ): Promise<JobEvent>;
  /** Submits through GraphQL; throws on errors. */
  submit(
    input: Record<string, unknown>,
    key?: string,
  ): Promise<{ id: string; backend: string; routingReason: string; status: string }>;
  /** Waits until the stored job (read through GraphQL) has one of `statuses`. */
  waitForStatus(id: string, statuses: string[], timeoutMs?: number, key?: string): Promise<JobView>;
  /** The stored job with its stored events. */
  job(id: string, key?: string): Promise<JobView | null>;
}

export interface JobView {
  id: string;
  status: string;
  attempts: number;
  result: unknown;
  error: string | null;
  progress: number;
  backend: string;
  routingReason: string;
  events: {
    type: string;
    activityId: string | null;
    attempt: number | null;
    message: string | null;
    meta: Record<string, unknown> | null;
    progress: number | null;
  }[];
}

const JOB_FIELDS =
  'id status attempts result error progress backend routingReason events(first: 500) { type activityId attempt message meta progress }';

/** A jobgate stack whose TEMPORAL lane is real: lane, worker and (optionally) reconciler on the test dev server. */
export async function startTemporalStack(o: TemporalStackOptions = {}): Promise<TemporalStack> {
  const prefix = `tt${randomBytes(4).toString('hex')}`;
  const temporalAddress = testTemporalAddress();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  let lane: TemporalLane | undefined;
  let reconciler: Reconciler | null = null;
  const stack = await startStack({
    env: { JOBGATE_PREFIX: prefix, TEMPORAL_ADDRESS: temporalAddress, ...o.env },
    ...(o.bullmqWorker !== undefined ? { bullmqWorker: o.bullmqWorker } : {}),
    ...(o.jobs ? { jobs: o.jobs } : {}),
    temporalWorker: o.worker !== false,
    workerEmitter: o.workerEmitter,
    durableLane: async ({ emitter, catalog }) => {
      lane = await TemporalLane.connect({
        address: temporalAddress,
        namespace: 'default',
        prefix,
        emitter,
        catalog,
        log,
      });
      return lane;
    },
    durableParts: async ({ emitter, jobs }) => {
      const parts: { close(): Promise<void> }[] = [];
      if (o.reconciler && lane) {
        const r = new Reconciler(jobs, lane, emitter, log, o.reconciler);
        reconciler = r;
        r.start();
        parts.push({ close: () => r.stop() });
      }
      return parts;
    },
  });

  const busEvents = async (jobId: string): Promise<JobEvent[]> => {
    const entries = await stack.redis.xrange(`${prefix}:events`, '-', '+');
    return entries
      .map(([id, fields]) => eventFromEntry(id, fields))
      .filter((e) => e.jobId === jobId);
  };

  const job = async (id: string, key?: string): Promise<JobView | null> => {
    const r = await stack.gql<{ job: JobView | null }>(
      `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`,
      { id },
      key,
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data?.job ?? null;
  };

  return {
    ...stack,
    prefix,
    temporalAddress,
    lane: lane as TemporalLane,
    get reconciler() {
      return reconciler;
    },
    busEvents,
    job,
    waitForEvent: (jobId, type, where = () => true, timeoutMs = 30_000) =>
      stack.waitFor(
        async () => (await busEvents(jobId)).find((e) => e.type === type && where(e)),
        timeoutMs,
        `${type} of job ${jobId}`,
      ),
    submit: async (input, key) => {
      const r = await stack.gql<{
        submitJob: { id: string; backend: string; routingReason: string; status: string };
      }>(
        'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id backend routingReason status } }',
        { i: input },
        key,
      );
      if (!r.data?.submitJob) throw new Error(`submitJob failed: ${JSON.stringify(r.errors)}`);
      return r.data.submitJob;
    },
    waitForStatus: (id, statuses, timeoutMs = 30_000, key) =>
      stack.waitFor(
        async () => {
          const j = await job(id, key);
          return j && statuses.includes(j.status) ? j : null;
        },
        timeoutMs,
        `job ${id} to be ${statuses.join(' or ')}`,
      ),
  };
}

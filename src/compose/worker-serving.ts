import { Backend } from '../model/enums';
import type { JobTypeRegistration } from '../model/job-type';

/** What a worker process serves: the queues it works on each lane, and so the types it runs. */
export interface WorkerServing {
  /** Queues with a BullMQ worker: those of the processor types; none when BULLMQ is not run. */
  bullmqQueues: string[];
  /** Queues with a Temporal worker (each a task queue): those of every type; none without TEMPORAL. */
  temporalQueues: string[];
  /** Lanes with at least one queue served. */
  lanes: Backend[];
  /** Queues served on any lane, sorted. */
  queues: string[];
  /** The types this process can run, with their version, by name. */
  types: Record<string, string>;
  /** Attempts it may run at once: each queue's slots on each lane that serves it. */
  concurrency: number;
}

export interface WorkerServingOptions {
  /** Lanes the process runs. */
  lanes: Backend[];
  /** Only these queues. @defaultValue every queue of the types */
  queues?: string[];
  /** Attempts at once on one queue, on one lane (the queue's `concurrency`). */
  concurrencyOf: (queue: string) => number;
}

const unique = (names: string[]): string[] => [...new Set(names)];
const sum = (ns: number[]): number => ns.reduce((a, b) => a + b, 0);

/**
 * What a worker serves, given the types of the definitions it loaded (it registers them all):
 * BULLMQ runs one BullMQ worker per queue of a processor type, TEMPORAL one Temporal worker
 * per queue of any type (processors as activities, workflows in the bundle). A type is
 * served when its queue has a worker on a lane that can run it: a `defineJob` type on either
 * lane (its default lane is only a default; a submission may pick the other), a
 * `defineWorkflow` type on TEMPORAL only. Heartbeats list exactly these, so
 * `JobTypeInfo.workers` counts only processes that would take the job.
 *
 * Concurrency counts each lane's slots: a queue served on both lanes has a BullMQ worker with
 * `concurrency` slots and a Temporal worker with as many activity slots, and the two fill
 * independently (activeJobs adds both lanes' attempts too). A queue's globalConcurrency may
 * hold the BullMQ lane below its slots; this is the process's own limit, not that cap.
 */
export function workerServing(
  types: (Pick<JobTypeRegistration, 'name' | 'queue' | 'workflowOnly'> & { version: string })[],
  o: WorkerServingOptions,
): WorkerServing {
  const wanted = types.filter((t) => !o.queues || o.queues.includes(t.queue));
  const bullmqQueues = o.lanes.includes(Backend.BULLMQ)
    ? unique(wanted.filter((t) => !t.workflowOnly).map((t) => t.queue))
    : [];
  const temporalQueues = o.lanes.includes(Backend.TEMPORAL)
    ? unique(wanted.map((t) => t.queue))
    : [];
  const served = wanted.filter(
    (t) => temporalQueues.includes(t.queue) || (!t.workflowOnly && bullmqQueues.includes(t.queue)),
  );
  return {
    bullmqQueues,
    temporalQueues,
    lanes: [
      ...(bullmqQueues.length ? [Backend.BULLMQ] : []),
      ...(temporalQueues.length ? [Backend.TEMPORAL] : []),
    ],
    queues: unique([...bullmqQueues, ...temporalQueues]).sort(),
    types: Object.fromEntries(served.map((t) => [t.name, t.version])),
    concurrency:
      sum(bullmqQueues.map((q) => o.concurrencyOf(q))) +
      sum(temporalQueues.map((q) => o.concurrencyOf(q))),
  };
}

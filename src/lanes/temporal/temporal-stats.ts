import type { Client } from '@temporalio/client';
import { Backend } from '../../model/enums';
import type { QueueCounts } from '../../model/queue-counts';

const count = async (client: Client, query: string): Promise<number> =>
  (await client.workflow.count(query)).count;

/**
 * Counts of one task queue from Temporal's visibility store. `name` is the
 * catalog queue (as for BullMQ); running workflows whose start is still
 * delayed count as `delayed`, the other running ones as `active`. Temporal
 * has no backlog of unstarted workflows to report as `waiting`, so it is 0.
 */
export async function taskQueueCounts(
  client: Client,
  queue: string,
  taskQueue: string,
): Promise<QueueCounts> {
  const q = `TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
  const now = new Date().toISOString();
  const [running, delayed, completed, failed] = await Promise.all([
    count(client, `${q} AND ExecutionStatus = 'Running'`),
    count(client, `${q} AND ExecutionStatus = 'Running' AND ExecutionTime > '${now}'`),
    count(client, `${q} AND ExecutionStatus = 'Completed'`),
    count(client, `${q} AND ExecutionStatus IN ('Failed', 'TimedOut')`),
  ]);
  return {
    name: queue,
    backend: Backend.TEMPORAL,
    paused: false,
    waiting: 0,
    active: running - delayed,
    delayed,
    completed,
    failed,
  };
}

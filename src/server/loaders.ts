import DataLoader from 'dataloader';
import type { JobEvent } from '../model/job-event';
import type { JobService } from '../jobs/job-service';
import type { JobRecord } from '../model/job-record';
import type { Loaders } from './context';
import type { EventStore } from '../store/event-store';
import type { WorkflowInfo } from '../model/workflow-info';

/** Fresh loaders for one request. Events are fetched per (first, after) group, one SQL statement each. */
export function createLoaders(events: EventStore, jobs: JobService): Loaders {
  return {
    events: new DataLoader<string, JobEvent[]>(async (keys) => {
      const groups = new Map<string, string[]>();
      for (const k of keys) {
        const [jobId, rest] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
        groups.set(rest, [...(groups.get(rest) ?? []), jobId]);
      }
      const found = new Map<string, JobEvent[]>();
      await Promise.all(
        [...groups].map(async ([rest, ids]) => {
          const [first, after] = rest.split('|');
          const byJob = await events.forJobs(ids, Number(first), after || undefined);
          for (const id of ids) found.set(`${id}|${rest}`, byJob.get(id) ?? []);
        }),
      );
      return keys.map((k) => found.get(k) ?? []);
    }),
    workflow: new DataLoader<JobRecord, WorkflowInfo | null, string>(
      async (list) => {
        const info = await jobs.describe(list);
        return list.map((j) => info.get(j.id) ?? null);
      },
      { cacheKeyFn: (j) => j.id },
    ),
  };
}

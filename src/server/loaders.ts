import DataLoader from 'dataloader';
import type { JobEvent } from '../model/job-event';
import type { JobService } from '../jobs/job-service';
import type { RegistryService } from '../jobs/registry-service';
import type { JobLogLine } from '../model/job-log-line';
import type { JobRecord } from '../model/job-record';
import type { Loaders } from './context';
import type { EventStore } from '../store/event-store';
import type { WorkflowInfo } from '../model/workflow-info';
import { createFlowLoaders } from './flow-loaders';

/** Splits `${jobId}|${first}|${after}` keys into (first, after) groups of job ids. */
function groupByPage(keys: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const [jobId, rest] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
    groups.set(rest, [...(groups.get(rest) ?? []), jobId]);
  }
  return groups;
}

/** Log lines per (first, after) group, one SQL statement each; a bad page fails its group only. */
function logLoader(registry: RegistryService): DataLoader<string, JobLogLine[]> {
  return new DataLoader<string, JobLogLine[]>(async (keys) => {
    const found = new Map<string, JobLogLine[] | Error>();
    await Promise.all(
      [...groupByPage(keys)].map(async ([rest, ids]) => {
        const [first, after] = rest.split('|');
        try {
          const byJob = await registry.logLines(ids, Number(first), after || undefined);
          for (const id of ids) found.set(`${id}|${rest}`, byJob.get(id) ?? []);
        } catch (err) {
          for (const id of ids) found.set(`${id}|${rest}`, err as Error);
        }
      }),
    );
    return keys.map((k) => found.get(k) ?? []);
  });
}

/** Fresh loaders for one request. Events are fetched per (first, after) group, one SQL statement each. */
export function createLoaders(
  events: EventStore,
  jobs: JobService,
  registry?: RegistryService,
  /** The caller's tenant scope for flow links; undefined reads every tenant (ADMIN). */
  tenant?: string,
): Loaders {
  return {
    ...createFlowLoaders(jobs.reads, tenant),
    events: new DataLoader<string, JobEvent[]>(async (keys) => {
      const found = new Map<string, JobEvent[]>();
      await Promise.all(
        [...groupByPage(keys)].map(async ([rest, ids]) => {
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
    logs: registry ? logLoader(registry) : undefined,
    // Batched only: the read service keeps the bounded cache, and a subscription's context
    // lives for hours.
    maskedPaths: new DataLoader<string, string[]>(
      async (ids) => {
        const found = await jobs.reads.maskedPaths(ids);
        return ids.map((id) => found.get(id) ?? []);
      },
      { cache: false },
    ),
  };
}

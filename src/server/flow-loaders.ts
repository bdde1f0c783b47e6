import DataLoader from 'dataloader';
import type { JobRecord } from '../model/job-record';
import type { ReadService } from '../jobs/read-service';

/**
 * Per-request loaders of a flow's links: every `parent` of a response is one SQL statement,
 * every level of `children` one more, whatever the number of jobs. `tenant` undefined (ADMIN)
 * reads across tenants; otherwise another tenant's job is absent, never shown.
 */
export function createFlowLoaders(
  jobs: Pick<ReadService, 'byIds' | 'childrenOf'>,
  tenant: string | undefined,
): {
  jobById: DataLoader<string, JobRecord | null>;
  children: DataLoader<string, JobRecord[]>;
} {
  return {
    jobById: new DataLoader<string, JobRecord | null>(async (ids) => {
      const found = await jobs.byIds(ids, tenant);
      return ids.map((id) => found.get(id) ?? null);
    }),
    children: new DataLoader<string, JobRecord[]>(async (ids) => {
      const found = await jobs.childrenOf(ids, tenant);
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
}

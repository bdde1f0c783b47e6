import { useState } from 'react';
import { RETRY_JOBS } from '../../../src/client/documents';
import { useMutate } from '../lib/use-gql';

/** Bulk action: every FAILED run the filter matches runs again (retryJobs by filter). */
export function RetryMatching({ filter }: { filter: Record<string, unknown> }) {
  const mutate = useMutate();
  const [message, setMessage] = useState<string | null>(null);
  const retry = async () => {
    try {
      const r = await mutate<{ retryJobs: number }>(RETRY_JOBS, {
        filter: { ...filter, statuses: ['FAILED'] },
      });
      setMessage(`Retried ${r.retryJobs} run(s).`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <span className="bulk">
      <button type="button" onClick={() => void retry()}>
        Retry all matching
      </button>
      {message && <span role="status"> {message}</span>}
    </span>
  );
}

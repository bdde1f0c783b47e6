import { useCallback, useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { Link } from 'wouter';
import { RETRY_JOBS } from '../../../src/client/documents';
import { Time } from '../components/status-badge';
import { useAuth } from '../lib/auth-context';
import { canOperate } from '../lib/session';
import { pagedJobs } from '../lib/paged-jobs';
import { useMutate } from '../lib/use-gql';

const FIELDS = 'id type queue backend error finishedAt';

interface Dead {
  id: string;
  type: string;
  queue: string;
  backend: string;
  error: string | null;
  finishedAt: string | null;
}

interface Group {
  type: string;
  error: string;
  jobs: Dead[];
  last: string | null;
}

/** FAILED jobs grouped by type and error message; a redrive retries one group by filter. */
export function DeadLetters() {
  const { principal } = useAuth();
  const mutate = useMutate();
  const client = useClient();
  const [data, setData] = useState<{ nodes: Dead[]; more: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    pagedJobs<Dead>(client, FIELDS, { statuses: ['FAILED'] }).then(
      (r) => {
        setData(r);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [client, tick]);
  const [message, setMessage] = useState<string | null>(null);
  const groups = useMemo(() => {
    const by = new Map<string, Group>();
    for (const node of data?.nodes ?? []) {
      const error = node.error ?? '(no message)';
      const k = `${node.type}\u0000${error}`;
      const g = by.get(k) ?? { type: node.type, error, jobs: [], last: null };
      g.jobs.push(node);
      if (!g.last || (node.finishedAt && node.finishedAt > g.last)) g.last = node.finishedAt;
      by.set(k, g);
    }
    return [...by.values()].sort((a, b) => b.jobs.length - a.jobs.length);
  }, [data]);

  const redrive = async (g: Group) => {
    setMessage(null);
    try {
      const r = await mutate<{ retryJobs: number }>(RETRY_JOBS, {
        filter: { statuses: ['FAILED'], types: [g.type], ids: g.jobs.map((j) => j.id) },
      });
      setMessage(`Redrove ${r.retryJobs} ${g.type} job(s).`);
      refetch();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  return (
    <section>
      <header className="page-head">
        <h1>Dead letters</h1>
        <button type="button" onClick={refetch}>
          Refresh
        </button>
      </header>
      {error && <p className="error">{error}</p>}
      {message && <p role="status">{message}</p>}
      {data?.more && <p className="muted">Grouping the newest 2,000 failed jobs.</p>}
      <table className="grid" data-testid="dead-letters">
        <thead>
          <tr>
            <th>type</th>
            <th>error</th>
            <th>jobs</th>
            <th>last failed</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data && groups.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No failed job.
              </td>
            </tr>
          )}
          {groups.map((g) => (
            <tr key={`${g.type}|${g.error}`} data-group={g.type}>
              <td>{g.type}</td>
              <td className="error-text">{g.error}</td>
              <td>
                <Link href={`/runs?status=FAILED&type=${encodeURIComponent(g.type)}`}>
                  {g.jobs.length}
                </Link>
              </td>
              <td>
                <Time at={g.last} />
              </td>
              <td>
                {canOperate(principal) && (
                  <button type="button" onClick={() => void redrive(g)}>
                    Redrive
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

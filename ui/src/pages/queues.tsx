import { useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { Link } from 'wouter';
import { PAUSE_QUEUE, QUEUES, RESUME_QUEUE } from '../../../src/client/documents';
import type { QueueRow } from '../../../src/client/documents';
import { useAuth } from '../lib/auth-context';
import { isAdmin } from '../lib/session';
import { pagedJobs } from '../lib/paged-jobs';
import { useGql, useMutate } from '../lib/use-gql';

interface Finished {
  queue: string;
  backend: string;
  finishedAt: string | null;
}

const BUCKETS = 12;
const BUCKET_MS = 5 * 60_000;

/** Finished jobs per five minutes over the last hour, as a small bar chart (plain SVG). */
function Throughput({ counts }: { counts: number[] }) {
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <span className="throughput" title="finished jobs per 5 minutes, last hour">
      <svg width={BUCKETS * 6} height={20} role="img" aria-label={`${total} in the last hour`}>
        {counts.map((c, i) => (
          <rect key={i} x={i * 6} y={20 - (c / max) * 20} width={5} height={(c / max) * 20} />
        ))}
      </svg>{' '}
      {total}/h
    </span>
  );
}

export function Queues() {
  const { principal } = useAuth();
  const mutate = useMutate();
  const [since] = useState(() => new Date(Date.now() - BUCKETS * BUCKET_MS).toISOString());
  const client = useClient();
  const q = useGql<{ queues: QueueRow[] }>(QUEUES);
  const [finished, setFinished] = useState<{ nodes: Finished[]; more: boolean } | null>(null);
  useEffect(() => {
    pagedJobs<Finished>(client, 'queue backend finishedAt', {
      statuses: ['SUCCEEDED', 'FAILED'],
      createdAfter: since,
    }).then(setFinished, () => setFinished(null));
  }, [client, since, q.data]);
  const [message, setMessage] = useState<string | null>(null);
  const perQueue = useMemo(() => {
    const m = new Map<string, number[]>();
    const start = new Date(since).getTime();
    for (const node of finished?.nodes ?? []) {
      if (!node.finishedAt) continue;
      const i = Math.floor((new Date(node.finishedAt).getTime() - start) / BUCKET_MS);
      const k = `${node.backend}|${node.queue}`;
      const counts = m.get(k) ?? new Array<number>(BUCKETS).fill(0);
      counts[Math.max(0, Math.min(BUCKETS - 1, i))]++;
      m.set(k, counts);
    }
    return m;
  }, [finished, since]);

  const toggle = async (s: QueueRow) => {
    setMessage(null);
    try {
      await mutate(s.paused ? RESUME_QUEUE : PAUSE_QUEUE, { name: s.name });
      setMessage(`${s.name}: ${s.paused ? 'resumed' : 'paused'}`);
      q.refetch();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  return (
    <section>
      <header className="page-head">
        <h1>Queues</h1>
        <button type="button" onClick={q.refetch}>
          Refresh
        </button>
      </header>
      {q.error && <p className="error">{q.error}</p>}
      {message && <p role="status">{message}</p>}
      <table className="grid" data-testid="queues">
        <thead>
          <tr>
            <th>queue</th>
            <th>lane</th>
            <th>waiting</th>
            <th>active</th>
            <th>delayed</th>
            <th>completed</th>
            <th>failed</th>
            <th>last hour</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data?.queues.map((s) => (
            <tr key={`${s.backend}|${s.name}`} data-queue={s.name} data-lane={s.backend}>
              <td>
                <Link href={`/runs?queue=${encodeURIComponent(s.name)}&lane=${s.backend}`}>
                  {s.name}
                </Link>
                {s.paused && <span className="tag tag-paused">paused</span>}
              </td>
              <td>{s.backend}</td>
              <td>{s.waiting}</td>
              <td>{s.active}</td>
              <td>{s.delayed}</td>
              <td>{s.completed}</td>
              <td>{s.failed}</td>
              <td>
                <Throughput
                  counts={perQueue.get(`${s.backend}|${s.name}`) ?? new Array(BUCKETS).fill(0)}
                />
              </td>
              <td>
                {isAdmin(principal) && s.backend === 'BULLMQ' && (
                  <button type="button" onClick={() => void toggle(s)}>
                    {s.paused ? 'Resume' : 'Pause'}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {finished?.more && (
        <p className="muted">Throughput counts the newest 2,000 jobs of the hour.</p>
      )}
    </section>
  );
}

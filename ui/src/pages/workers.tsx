import { WORKERS } from '../../../src/client/documents';
import type { WorkerRow } from '../../../src/client/documents';
import { StatusBadge, Time } from '../components/status-badge';
import { useGql } from '../lib/use-gql';

/** Live and recently lost workers (ADMIN): their types, slots, heartbeats, outdated versions. */
export function Workers() {
  const q = useGql<{ workers: WorkerRow[] }>(WORKERS);
  return (
    <section>
      <header className="page-head">
        <h1>Workers</h1>
        <button type="button" onClick={q.refetch}>
          Refresh
        </button>
      </header>
      {q.error && <p className="error">{q.error}</p>}
      <table className="grid" data-testid="workers">
        <thead>
          <tr>
            <th>worker</th>
            <th>status</th>
            <th>lanes</th>
            <th>queues</th>
            <th>types</th>
            <th>slots</th>
            <th>heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {q.data?.workers.map((w) => (
            <tr key={w.id}>
              <td className="mono">
                {w.host}:{w.pid}
              </td>
              <td>
                <StatusBadge status={w.status} />
              </td>
              <td>{w.lanes.join(', ')}</td>
              <td>{w.queues.join(', ')}</td>
              <td>
                {w.jobTypes.join(', ')}
                {w.outdatedJobTypes.length > 0 && (
                  <div className="error">outdated: {w.outdatedJobTypes.join(', ')}</div>
                )}
              </td>
              <td>
                {w.activeJobs} / {w.concurrency}
              </td>
              <td>
                <Time at={w.lastHeartbeatAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

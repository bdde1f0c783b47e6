import { Link } from 'wouter';
import type { RunRow } from '../lib/run-rows';
import { StatusBadge, Time, duration } from './status-badge';

/** The runs list as a table: one row per run, linking to its detail. */
export function RunsTable({ rows }: { rows: RunRow[] | null }) {
  return (
    <table className="grid runs" data-testid="runs">
      <thead>
        <tr>
          <th>id</th>
          <th>type</th>
          <th>status</th>
          <th>lane</th>
          <th>queue</th>
          <th>progress</th>
          <th>attempts</th>
          <th>created</th>
          <th>took</th>
        </tr>
      </thead>
      <tbody>
        {rows === null && (
          <tr>
            <td colSpan={9} className="muted">
              Loading…
            </td>
          </tr>
        )}
        {rows?.length === 0 && (
          <tr>
            <td colSpan={9} className="muted">
              No run matches.
            </td>
          </tr>
        )}
        {rows?.map((r) => (
          <tr key={r.id} data-job={r.id}>
            <td className="mono">
              <Link href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</Link>
            </td>
            <td>{r.type}</td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td>{r.backend}</td>
            <td>{r.queue}</td>
            <td>
              <progress max={100} value={r.progress} /> {Math.round(r.progress)}%
            </td>
            <td>{r.attempts}</td>
            <td>
              <Time at={r.createdAt} />
            </td>
            <td>{r.startedAt ? duration(r.startedAt, r.finishedAt) : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

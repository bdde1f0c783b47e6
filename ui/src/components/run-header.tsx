import { Fragment } from 'react';
import { Link } from 'wouter';
import type { Detail } from '../lib/run-queries';
import { StatusBadge, Time, duration } from './status-badge';

/** The run's id and status, and its facts: where it ran, when, how often, and what started it. */
export function RunHeader({ job, shown }: { job: Detail; shown: Detail }) {
  return (
    <>
      <header className="page-head">
        <h1 className="mono">{job.id}</h1>
        <StatusBadge status={shown.status} />
      </header>
      <dl className="facts header-facts" data-testid="run-header">
        <dt>type</dt>
        <dd>{job.type}</dd>
        <dt>lane</dt>
        <dd>{job.backend}</dd>
        <dt>queue</dt>
        <dd>{job.queue}</dd>
        <dt>priority</dt>
        <dd>{job.priority}</dd>
        <dt>attempts</dt>
        <dd>
          {job.attempts} of {job.maxAttempts}
        </dd>
        <dt>progress</dt>
        <dd>{Math.round(shown.progress)}%</dd>
        <dt>created</dt>
        <dd>
          <Time at={job.createdAt} />
        </dd>
        <dt>started</dt>
        <dd>
          <Time at={shown.startedAt} />
        </dd>
        <dt>finished</dt>
        <dd>
          <Time at={shown.finishedAt} />
        </dd>
        <dt>took</dt>
        <dd>{shown.startedAt ? duration(shown.startedAt, shown.finishedAt) : '–'}</dd>
        <dt>routing</dt>
        <dd data-testid="routing-reason">{job.routingReason}</dd>
        {(job.flowKeys ?? []).map((k) => (
          <Fragment key={k.option}>
            <dt>{k.option} key</dt>
            <dd data-testid={`flow-key-${k.option}`}>
              <span className="mono">{k.value}</span> <span className="muted">({k.path})</span>
            </dd>
          </Fragment>
        ))}
        {job.parent && (
          <>
            <dt>parent</dt>
            <dd>
              <Link href={`/runs/${encodeURIComponent(job.parent.id)}`}>
                {job.parent.type} {job.parent.id.slice(0, 8)}
              </Link>
            </dd>
          </>
        )}
        {job.scheduleId && (
          <>
            <dt>schedule</dt>
            <dd>
              <Link href={`/runs?schedule=${encodeURIComponent(job.scheduleId)}`}>
                {job.scheduleId.slice(0, 8)}
              </Link>
            </dd>
          </>
        )}
      </dl>
    </>
  );
}

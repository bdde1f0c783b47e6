import { pageConfig } from '../lib/config';
import type { Detail } from '../lib/run-queries';

/** A TEMPORAL run's workflow: its state, pending activities and a link to the Temporal UI. */
export function TemporalDetails({ wf }: { wf: NonNullable<Detail['workflow']> }) {
  const link = pageConfig.temporalUiUrl
    ? `${pageConfig.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(pageConfig.temporalNamespace)}/workflows/${encodeURIComponent(wf.workflowId)}${wf.runId ? `/${encodeURIComponent(wf.runId)}` : ''}`
    : null;
  return (
    <div className="card" data-testid="temporal">
      <h3>Temporal</h3>
      <dl className="facts">
        <dt>workflow</dt>
        <dd>
          {wf.workflowType} · {wf.temporalStatus}
        </dd>
        <dt>task queue</dt>
        <dd>{wf.taskQueue}</dd>
        <dt>history length</dt>
        <dd>{wf.historyLength ?? '–'}</dd>
        <dt>pending activities</dt>
        <dd>
          {wf.pendingActivities.length === 0
            ? 'none'
            : wf.pendingActivities.map((a) => (
                <div key={a.activityId}>
                  {a.activityType} ({a.state}, attempt {a.attempt})
                  {a.lastFailure && <span className="error"> {a.lastFailure}</span>}
                </div>
              ))}
        </dd>
      </dl>
      {link && (
        <a href={link} target="_blank" rel="noreferrer">
          Open in the Temporal UI
        </a>
      )}
    </div>
  );
}

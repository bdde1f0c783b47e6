import { Link, useParams } from 'wouter';
import { Controls } from '../components/controls';
import { FlowGraph } from '../components/flow-graph';
import { Json } from '../components/json-view';
import { LogPanel, useLogTail } from '../components/log-panel';
import { RunHeader } from '../components/run-header';
import { TemporalDetails } from '../components/temporal-details';
import { Timeline } from '../components/timeline';
import { WorkflowSteps } from '../components/workflow-steps';
import { useAuth } from '../lib/auth-context';
import { canOperate } from '../lib/session';
import { useRun } from '../lib/use-run';

/** One run: its facts, controls, timeline, logs, input and result, and its workflow or flow. */
export function RunDetail() {
  const { id } = useParams<{ id: string }>();
  const { principal } = useAuth();
  const { job, types, events, logs, error, live, refresh } = useRun(id);
  const logBox = useLogTail(logs);

  if (error && job === undefined)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (job === undefined) return <p className="muted">Loading…</p>;
  if (job === null)
    return (
      <section>
        <h1>Run not found</h1>
        <p data-testid="not-found">
          No run <code>{id}</code> in your tenant. <Link href="/runs">Back to runs</Link>
        </p>
      </section>
    );
  const type = types.find((t) => t.name === job.type) ?? null;
  const shown = {
    ...job,
    status: live.status ?? job.status,
    progress: live.progress ?? job.progress,
    startedAt: job.startedAt ?? live.startedAt,
    finishedAt: job.finishedAt ?? live.finishedAt,
  };
  return (
    <section className="detail">
      <RunHeader job={job} shown={shown} />
      {canOperate(principal) && <Controls job={shown} type={type} onDone={refresh} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="columns">
        <div>
          <h2>Timeline ({events.length})</h2>
          <Timeline events={events} />
        </div>
        <LogPanel logs={logs} box={logBox} />
      </div>
      <div className="columns">
        <Json label="input" value={job.input} />
        <Json label="result" value={job.result} />
        <Json label="error" value={job.error} />
      </div>
      {job.workflow && <TemporalDetails wf={job.workflow} />}
      {job.backend === 'TEMPORAL' && <WorkflowSteps events={events} />}
      <FlowGraph key={job.id} id={job.id} />
    </section>
  );
}

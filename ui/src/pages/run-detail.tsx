import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Link, useParams } from 'wouter';
import { Controls } from '../components/controls';
import type { TypeInfo } from '../components/controls';
import { Json } from '../components/json-view';
import { StatusBadge, Time, duration } from '../components/status-badge';
import { Timeline } from '../components/timeline';
import { WorkflowSteps } from '../components/workflow-steps';
import { FlowGraph } from '../components/flow-graph';
import { useAuth } from '../lib/auth-context';
import { pageConfig } from '../lib/config';
import { CURSOR, EVENT_FIELDS, watchEvents } from '../lib/live-events';
import type { LiveEvent } from '../lib/live-events';
import { canOperate } from '../lib/session';
import { FINAL, statusAfter } from '../lib/status';
import { errorText } from '../lib/use-gql';

interface Detail {
  id: string;
  type: string;
  status: string;
  backend: string;
  queue: string;
  priority: string;
  progress: number;
  attempts: number;
  maxAttempts: number;
  routingReason: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  input: unknown;
  result: unknown;
  error: string | null;
  /** With flows. */
  parent?: { id: string; type: string } | null;
  /** With schedules. */
  scheduleId?: string | null;
  workflow: {
    workflowId: string;
    runId: string | null;
    workflowType: string;
    taskQueue: string;
    temporalStatus: string;
    historyLength: number | null;
    pendingActivities: {
      activityId: string;
      activityType: string;
      attempt: number;
      state: string;
      lastFailure: string | null;
    }[];
  } | null;
}

interface LogLine {
  id: string;
  at: string;
  attempt: number | null;
  line: string;
}

/** The run's fields; `extra` adds those of the schema's optional parts (flows, schedules). */
const detailQuery = (extra: string) => `query Run($id: ID!) {
  job(id: $id) {
    id type status backend queue priority progress attempts maxAttempts routingReason
    createdAt startedAt finishedAt input result error ${extra}
    workflow { workflowId runId workflowType taskQueue temporalStatus historyLength
      pendingActivities { activityId activityType attempt state lastFailure } }
  }
  jobTypes { name signals signalSchemas queries }
}`;

// Pages of 500: the gateway's cost limit counts each item a page may hold.
const PAGE = 500;

const EVENTS = `query RunEvents($id: ID!, $after: ID) {
  job(id: $id) { events(first: ${PAGE}, after: $after) { ${EVENT_FIELDS} } }
}`;

const LOGS = `query RunLogs($id: ID!, $after: ID) {
  job(id: $id) { logs(first: ${PAGE}, after: $after) { id at attempt line } }
}`;

/** Every page of a paged list field of the job, oldest first. */
async function allPages<T extends { id: string }>(
  fetchPage: (after: string | null) => Promise<T[] | null>,
  onPage?: (page: T[]) => void,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    if (!page) return out;
    out.push(...page);
    onPage?.(page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1].id;
  }
}

function TemporalDetails({ wf }: { wf: NonNullable<Detail['workflow']> }) {
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

interface LiveState {
  status: string | null;
  progress: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const NO_LIVE: LiveState = { status: null, progress: null, startedAt: null, finishedAt: null };

export function RunDetail() {
  const { id } = useParams<{ id: string }>();
  const client = useClient();
  const { connection, principal } = useAuth();
  const [job, setJob] = useState<Detail | null | undefined>(undefined);
  const [types, setTypes] = useState<(TypeInfo & { name: string })[]>([]);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // The status the newest live event says: the stored row lags it by the aggregator's batch.
  const [live, setLive] = useState<LiveState>(NO_LIVE);
  const logBox = useRef<HTMLDivElement>(null);

  // The job itself, again after each control action and each status change.
  useEffect(() => {
    void client
      .query(
        detailQuery('parent { id type } scheduleId'),
        { id },
        { requestPolicy: 'network-only' },
      )
      .toPromise()
      .then((r) => {
        if (r.error) setError(errorText(r.error));
        else {
          setJob(r.data.job as Detail | null);
          setTypes(r.data.jobTypes as (TypeInfo & { name: string })[]);
        }
      });
  }, [client, id, tick]);

  // Live first, then history: the subscription starts from the bus's newest id before the
  // stored events are read, so nothing falls between the two; both are merged by event id in
  // time order. Stored events lag
  // the bus by the aggregator's batch, so a young run's history is read once more a moment later.
  // After a reconnect the subscription resumes after the last event it delivered.
  useEffect(() => {
    let cancelled = false;
    setLive(NO_LIVE);
    const byId = new Map<string, LiveEvent>();
    const logKeys = new Set<string>();
    let lines: LogLine[] = [];
    const publish = () => {
      if (cancelled) return;
      setEvents([...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || 0));
      setLogs([...lines].sort((a, b) => a.at.localeCompare(b.at)));
    };
    const addLine = (l: LogLine) => {
      const k = `${l.at}|${l.line}`;
      if (logKeys.has(k)) return;
      logKeys.add(k);
      lines.push(l);
    };
    let stop = (): void => undefined;
    const subscribe = (after: string | null) => {
      stop = watchEvents(
        connection.ws,
        { jobId: id },
        (e) => {
          byId.set(e.id, e);
          if (e.type === 'LOG' && e.message != null)
            addLine({ id: e.id, at: e.timestamp, attempt: e.attempt, line: e.message });
          publish();
          const status = statusAfter(e.type);
          if (status || e.progress != null)
            setLive((l) => ({
              status: status ?? l.status,
              progress: e.type === 'COMPLETED' ? 100 : (e.progress ?? l.progress),
              startedAt: e.type === 'STARTED' ? (l.startedAt ?? e.timestamp) : l.startedAt,
              finishedAt: FINAL.has(status ?? '')
                ? e.timestamp
                : e.type === 'QUEUED'
                  ? null
                  : l.finishedAt,
            }));
          // Read the row again once the aggregator has stored the change (result, error, attempts).
          if (status) for (const ms of [1000, 3000]) setTimeout(() => setTick((t) => t + 1), ms);
        },
        { after, onError: setError },
      );
    };
    const q = async <T,>(query: string, field: 'events' | 'logs', after: string | null) => {
      const r = await client
        .query(query, { id, after }, { requestPolicy: 'network-only' })
        .toPromise();
      return (r.data?.job?.[field] ?? null) as T[] | null;
    };
    const load = async () => {
      // Each page shows as it arrives: a long history fills in while the first rows are read.
      const [history, stored] = await Promise.all([
        allPages<LiveEvent>(
          (after) => q<LiveEvent>(EVENTS, 'events', after),
          (page) => {
            for (const e of page) byId.set(e.id, e);
            publish();
          },
        ),
        allPages<LogLine>((after) => q<LogLine>(LOGS, 'logs', after)),
      ]);
      // A live line and its stored copy have different ids: the time and text are the same.
      const fromLive = lines;
      lines = [];
      logKeys.clear();
      for (const l of stored) addLine(l);
      for (const l of fromLive) addLine(l);
      publish();
      return history.length;
    };
    let again: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      const cursor = await client.query(CURSOR, {}).toPromise();
      if (cancelled) return;
      subscribe((cursor.data?.eventCursor as string | null) ?? null);
      const n = await load();
      if (!cancelled && n < PAGE) again = setTimeout(() => void load(), 1500);
    })();
    return () => {
      cancelled = true;
      clearTimeout(again);
      stop();
    };
  }, [client, connection, id]);

  // Logs stay scrolled to the newest line (tail -f).
  useEffect(() => {
    if (logBox.current) logBox.current.scrollTop = logBox.current.scrollHeight;
  }, [logs]);

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
      {canOperate(principal) && (
        <Controls job={shown} type={type} onDone={() => setTick((t) => t + 1)} />
      )}
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
        <div>
          <h2>Logs ({logs.length})</h2>
          <div className="logs" ref={logBox} data-testid="logs">
            {logs.length === 0 && <p className="muted">No line yet.</p>}
            {logs.map((l) => (
              <div key={l.id} className="log-line">
                <span className="muted">{new Date(l.at).toLocaleTimeString()}</span> {l.line}
              </div>
            ))}
          </div>
        </div>
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

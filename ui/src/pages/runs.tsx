import { useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Link } from 'wouter';
import { StatusBadge, Time, duration } from '../components/status-badge';
import { useAuth } from '../lib/auth-context';
import { CURSOR, watchEvents } from '../lib/live-events';
import type { LiveEvent } from '../lib/live-events';
import { STATUSES, statusAfter } from '../lib/status';
import { canOperate } from '../lib/session';
import { errorText, useMutate } from '../lib/use-gql';
import { useUrlState } from '../lib/url-state';

export interface RunRow {
  id: string;
  type: string;
  status: string;
  backend: string;
  queue: string;
  progress: number;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const RUN_FIELDS =
  'id type status backend queue progress attempts createdAt startedAt finishedAt';

const LIST = `query Runs($filter: JobFilter, $first: Int, $after: String) {
  jobs(filter: $filter, first: $first, after: $after) {
    edges { node { ${RUN_FIELDS} } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const PAGE_SIZE = 50;

const RANGES: Record<string, number> = { '15m': 15, '1h': 60, '24h': 1440, '7d': 10080 };

/** The GraphQL JobFilter the URL's parameters stand for. */
export function filterOf(p: URLSearchParams): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const list = (k: string) => (p.get(k) ? (p.get(k) as string).split(',').filter(Boolean) : null);
  if (list('status')) f.statuses = list('status');
  if (list('type')) f.types = list('type');
  if (list('lane')) f.backends = list('lane');
  if (p.get('queue')) f.queue = p.get('queue');
  if (list('id')) f.ids = list('id');
  if (p.get('parent')) f.parentId = p.get('parent');
  if (list('schedule')) f.scheduleIds = list('schedule');
  const range = p.get('range');
  if (range && RANGES[range])
    f.createdAfter = new Date(Date.now() - RANGES[range] * 60_000).toISOString();
  if (p.get('from')) f.createdAfter = new Date(p.get('from') as string).toISOString();
  if (p.get('to')) f.createdBefore = new Date(p.get('to') as string).toISOString();
  return f;
}

/** Applies one event to the rows: the gateway's status model, run in the browser. */
function applyEvent(rows: RunRow[], e: LiveEvent, addNew: (e: LiveEvent) => boolean): RunRow[] {
  const i = rows.findIndex((r) => r.id === e.jobId);
  if (i < 0) {
    if (e.type !== 'QUEUED' || !addNew(e)) return rows;
    const row: RunRow = {
      id: e.jobId,
      type: e.jobType,
      status: 'QUEUED',
      backend: e.source,
      queue: e.queue,
      progress: 0,
      attempts: 0,
      createdAt: e.timestamp,
      startedAt: null,
      finishedAt: null,
    };
    return [row, ...rows];
  }
  const r = { ...rows[i] };
  const status = statusAfter(e.type);
  if (status) r.status = status;
  if (e.type === 'QUEUED') Object.assign(r, { progress: 0, finishedAt: null, startedAt: null });
  if (e.type === 'STARTED' && !r.startedAt) r.startedAt = e.timestamp;
  if (e.progress != null) r.progress = e.progress;
  if (e.attempt != null && e.attempt > r.attempts) r.attempts = e.attempt;
  if (e.type === 'COMPLETED') r.progress = 100;
  if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type)) r.finishedAt = e.timestamp;
  const next = rows.slice();
  next[i] = r;
  return next;
}

function Filters() {
  const [p, set] = useUrlState();
  const [id, setId] = useState(p.get('id') ?? '');
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault();
        set({ id: id.trim() || null, after: null });
      }}
    >
      <select
        aria-label="status"
        value={p.get('status') ?? ''}
        onChange={(e) => set({ status: e.target.value, after: null })}
      >
        <option value="">any status</option>
        {STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <input
        aria-label="type"
        placeholder="type"
        defaultValue={p.get('type') ?? ''}
        onBlur={(e) => set({ type: e.target.value.trim(), after: null })}
      />
      <select
        aria-label="lane"
        value={p.get('lane') ?? ''}
        onChange={(e) => set({ lane: e.target.value, after: null })}
      >
        <option value="">both lanes</option>
        <option>BULLMQ</option>
        <option>TEMPORAL</option>
      </select>
      <input
        aria-label="queue"
        placeholder="queue"
        defaultValue={p.get('queue') ?? ''}
        onBlur={(e) => set({ queue: e.target.value.trim(), after: null })}
      />
      <select
        aria-label="time range"
        value={p.get('range') ?? ''}
        onChange={(e) => set({ range: e.target.value, after: null })}
      >
        <option value="">any time</option>
        {Object.keys(RANGES).map((r) => (
          <option key={r} value={r}>
            last {r}
          </option>
        ))}
      </select>
      <input
        aria-label="from"
        type="datetime-local"
        title="created from"
        defaultValue={p.get('from') ?? ''}
        onChange={(e) => set({ from: e.target.value, range: null, after: null })}
      />
      <input
        aria-label="to"
        type="datetime-local"
        title="created before"
        defaultValue={p.get('to') ?? ''}
        onChange={(e) => set({ to: e.target.value, after: null })}
      />
      <input
        aria-label="schedule"
        placeholder="schedule id"
        defaultValue={p.get('schedule') ?? ''}
        onBlur={(e) => set({ schedule: e.target.value.trim(), after: null })}
      />
      <input
        aria-label="parent"
        placeholder="parent id"
        defaultValue={p.get('parent') ?? ''}
        onBlur={(e) => set({ parent: e.target.value.trim(), after: null })}
      />
      <input
        aria-label="id"
        placeholder="job id"
        value={id}
        onChange={(e) => setId(e.target.value)}
      />
      <button type="submit">Filter</button>
    </form>
  );
}

/** Bulk action: every FAILED run the filter matches runs again (retryJobs by filter). */
function RetryMatching({ filter }: { filter: Record<string, unknown> }) {
  const mutate = useMutate();
  const [message, setMessage] = useState<string | null>(null);
  const retry = async () => {
    try {
      const r = await mutate<{ retryJobs: number }>(
        'mutation RetryMatching($filter: JobFilter!) { retryJobs(filter: $filter) }',
        { filter: { ...filter, statuses: ['FAILED'] } },
      );
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

export function Runs() {
  const client = useClient();
  const { connection, principal } = useAuth();
  const [params, set] = useUrlState();
  const filter = useMemo(() => filterOf(params), [params]);
  const after = params.get('after');
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [page, setPage] = useState<{ endCursor: string | null; hasNextPage: boolean }>({
    endCursor: null,
    hasNextPage: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const filterKey = JSON.stringify(filter);
  const buffered = useRef<LiveEvent[] | null>(null);

  useEffect(() => {
    const f = JSON.parse(filterKey) as Record<string, unknown>;
    // A new job joins the first page when the filter lets it in (the server's filter decides
    // the rest on the next load).
    const accepts = (e: LiveEvent): boolean => {
      if (after) return false;
      const has = (k: string, v: string) => !f[k] || (f[k] as string[]).includes(v);
      return (
        has('statuses', 'QUEUED') &&
        has('types', e.jobType) &&
        has('backends', e.source) &&
        (!f.queue || f.queue === e.queue) &&
        !f.ids &&
        !f.parentId &&
        !f.scheduleIds &&
        !f.createdBefore
      );
    };
    buffered.current = [];
    setRows(null);
    let cancelled = false;
    let stop = (): void => undefined;
    const off = connection.ws.on('connected', () => setLive(true));
    const offClosed = connection.ws.on('closed', () => setLive(false));
    void (async () => {
      // The cursor first, then the subscription from it, then the list: whatever changes while
      // the list is read arrives through the subscription and is applied on top of it.
      const cursor = await client.query(CURSOR, {}).toPromise();
      if (cancelled) return;
      stop = watchEvents(
        connection.ws,
        {
          ...(f.queue ? { queue: f.queue as string } : {}),
          ...(f.backends ? { backends: f.backends as string[] } : {}),
        },
        (e) => {
          setLive(true);
          if (buffered.current) buffered.current.push(e);
          else setRows((rs) => (rs ? applyEvent(rs, e, accepts).slice(0, PAGE_SIZE * 2) : rs));
        },
        { after: (cursor.data?.eventCursor as string | null) ?? null, onError: setError },
      );
      const r = await client
        .query(LIST, { filter: f, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (cancelled) return;
      if (r.error) {
        setError(errorText(r.error));
        setRows([]);
        return;
      }
      setError(null);
      const conn = r.data.jobs as {
        edges: { node: RunRow }[];
        pageInfo: { endCursor: string | null; hasNextPage: boolean };
      };
      let list = conn.edges.map((e) => e.node);
      for (const e of buffered.current ?? []) list = applyEvent(list, e, accepts);
      buffered.current = null;
      setRows(list);
      setPage(conn.pageInfo);
    })();
    return () => {
      cancelled = true;
      stop();
      off();
      offClosed();
    };
  }, [client, connection, filterKey, after]);

  return (
    <section>
      <header className="page-head">
        <h1>Runs</h1>
        <span className={`live ${live ? 'on' : ''}`} title="Rows follow the jobEvents subscription">
          {live ? '● live' : '○ connecting'}
        </span>
        {canOperate(principal) && params.get('status') === 'FAILED' && (
          <RetryMatching filter={filter} />
        )}
      </header>
      <Filters />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
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
      <div className="pager">
        {after && (
          <button type="button" onClick={() => set({ after: null })}>
            First page
          </button>
        )}
        {page.hasNextPage && (
          <button type="button" onClick={() => set({ after: page.endCursor })}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { JOBS } from '../../../src/client/documents';
import type { JobEvent, JobPage } from '../../../src/client/documents';
import { useAuth } from './auth-context';
import { CURSOR, watchEvents } from './live-events';
import { applyEvent } from './run-rows';
import type { RunRow } from './run-rows';
import { errorText } from './use-gql';

const PAGE_SIZE = 50;

/**
 * One page of runs matching `filter`, kept up to date by the jobEvents subscription; `live`
 * says whether the subscription is connected.
 */
export function useLiveRuns(filter: Record<string, unknown>, after: string | null) {
  const client = useClient();
  const { connection } = useAuth();
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [page, setPage] = useState<{ endCursor: string | null; hasNextPage: boolean }>({
    endCursor: null,
    hasNextPage: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const filterKey = JSON.stringify(filter);
  const buffered = useRef<JobEvent[] | null>(null);

  useEffect(() => {
    const f = JSON.parse(filterKey) as Record<string, unknown>;
    // A new job joins the first page when the filter lets it in (the server's filter decides
    // the rest on the next load).
    const accepts = (e: JobEvent): boolean => {
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
        .query(JOBS, { filter: f, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (cancelled) return;
      if (r.error) {
        setError(errorText(r.error));
        setRows([]);
        return;
      }
      setError(null);
      const conn = r.data.jobs as JobPage<RunRow>;
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

  return { rows, page, error, live };
}

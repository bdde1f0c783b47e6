import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { JOB_LOGS } from '../../../src/client/documents';
import type { JobEvent, JobStatus, LogLine } from '../../../src/client/documents';
import { useAuth } from './auth-context';
import { CURSOR, watchEvents } from './live-events';
import { EVENTS, PAGE, allPages, detailQuery } from './run-queries';
import type { Detail, TypeInfo } from './run-queries';
import { FINAL, statusAfter } from './status';
import { errorText } from './use-gql';

/** What the newest live events say of the run, ahead of its stored row. */
interface LiveState {
  status: JobStatus | null;
  progress: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const NO_LIVE: LiveState = { status: null, progress: null, startedAt: null, finishedAt: null };

/**
 * One run with its job types, its events and its log lines, kept live; `refresh` reads the run
 * again.
 */
export function useRun(id: string) {
  const client = useClient();
  const { connection } = useAuth();
  const [job, setJob] = useState<Detail | null | undefined>(undefined);
  const [types, setTypes] = useState<(TypeInfo & { name: string })[]>([]);
  const [events, setEvents] = useState<JobEvent[]>([]);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // The status the newest live event says: the stored row lags it by the aggregator's batch.
  const [live, setLive] = useState<LiveState>(NO_LIVE);

  // The job itself, again after each control action and each status change.
  useEffect(() => {
    void client
      .query(
        detailQuery('parent { id type } scheduleId flowKeys { option path value }'),
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
    const byId = new Map<string, JobEvent>();
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
    const q = async <T>(query: string, field: 'events' | 'logs', after: string | null) => {
      const r = await client
        .query(query, { id, first: PAGE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      return (r.data?.job?.[field] ?? null) as T[] | null;
    };
    const load = async () => {
      // Each page shows as it arrives: a long history fills in while the first rows are read.
      const [history, stored] = await Promise.all([
        allPages<JobEvent>(
          (after) => q<JobEvent>(EVENTS, 'events', after),
          (page) => {
            for (const e of page) byId.set(e.id, e);
            publish();
          },
        ),
        allPages<LogLine>((after) => q<LogLine>(JOB_LOGS, 'logs', after)),
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

  return { job, types, events, logs, error, live, refresh: () => setTick((t) => t + 1) };
}

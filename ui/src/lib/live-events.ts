import type { Client as WsClient } from 'graphql-ws';
import { JOB_EVENTS } from '../../../src/client/documents';
import type { JobEvent, JobEventsData } from '../../../src/client/documents';

export interface LiveFilter {
  jobId?: string;
  queue?: string;
  backends?: string[];
  types?: string[];
}

/**
 * A `jobEvents` subscription that survives reconnects without a gap or a duplicate: when the
 * socket closes it subscribes again with `after` = the id of the last event it delivered, and
 * drops any id it has already delivered. No polling anywhere.
 */
export function watchEvents(
  ws: WsClient,
  filter: LiveFilter | undefined,
  onEvent: (e: JobEvent) => void,
  opts: { after?: string | null; onError?: (message: string) => void } = {},
): () => void {
  let last: string | null = opts.after ?? null;
  const seen = new Set<string>();
  let stop: (() => void) | null = null;
  let closed = false;

  const start = (): void => {
    stop = ws.subscribe<JobEventsData>(
      { query: JOB_EVENTS, variables: { after: last, filter: filter ?? null } },
      {
        next: (r) => {
          if (r.errors?.length) opts.onError?.(r.errors[0].message);
          const e = r.data?.jobEvents;
          if (!e || seen.has(e.id)) return;
          seen.add(e.id);
          if (seen.size > 5000) seen.delete(seen.values().next().value as string);
          last = e.id;
          onEvent(e);
        },
        error: (err) => {
          if (!closed) opts.onError?.(err instanceof Error ? err.message : 'subscription failed');
        },
        complete: () => undefined,
      },
    );
  };
  // graphql-ws would resend the first payload on its own retry; resubscribing after a close
  // sends the newest cursor instead.
  let backoff = 250;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const offConnected = ws.on('connected', () => {
    backoff = 250;
  });
  const offClosed = ws.on('closed', () => {
    if (closed) return;
    stop?.();
    stop = null;
    clearTimeout(timer);
    timer = setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, 10_000);
  });
  start();
  return () => {
    closed = true;
    clearTimeout(timer);
    offClosed();
    offConnected();
    stop?.();
  };
}

/** The newest event id on the bus: a subscription started after it misses nothing since. */
export const CURSOR = 'query Cursor { eventCursor }';

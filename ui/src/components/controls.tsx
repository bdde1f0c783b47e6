import { lazy, Suspense, useState } from 'react';
import { useClient } from 'urql';
import {
  CANCEL_JOB,
  RETRY_JOB,
  SIGNAL_JOB,
  TERMINATE_JOB,
  WORKFLOW_QUERY,
} from '../../../src/client/documents';
import { errorText, useMutate } from '../lib/use-gql';
import { FINAL } from '../lib/status';
import type { TypeInfo } from '../lib/run-queries';
import { Json } from './json-view';

const SchemaForm = lazy(() => import('./schema-form').then((m) => ({ default: m.SchemaForm })));

export interface ControlledJob {
  id: string;
  status: string;
  backend: string;
}

/** Cancel, retry, terminate, signal and query: shown only to roles that may use them. */
export function Controls({
  job,
  type,
  onDone,
}: {
  job: ControlledJob;
  type: TypeInfo | null;
  onDone(): void;
}) {
  const mutate = useMutate();
  const client = useClient();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [signal, setSignal] = useState<string>('');
  const [queryName, setQueryName] = useState<string>('');
  const [answer, setAnswer] = useState<unknown>(undefined);
  const final = FINAL.has(job.status);
  const durable = job.backend === 'TEMPORAL';
  const retryable = job.status === 'FAILED' || job.status === 'CANCELLED';
  const signals = durable && !final && !!type && type.signals.length > 0;
  const queries = durable && !!type && type.queries.length > 0;
  // Nothing this run allows: no empty box.
  if (final && !retryable && !queries && !message) return null;

  const run = async (label: string, query: string, vars: Record<string, unknown>) => {
    setMessage(null);
    try {
      await mutate(query, { id: job.id, ...vars });
      setMessage({ ok: true, text: `${label}: done` });
      onDone();
    } catch (e) {
      setMessage({ ok: false, text: `${label}: ${(e as Error).message}` });
    }
  };

  const ask = async () => {
    setMessage(null);
    const r = await client
      .query<{ workflowQuery: unknown }>(
        WORKFLOW_QUERY,
        { id: job.id, name: queryName },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (r.error) setMessage({ ok: false, text: `query: ${errorText(r.error)}` });
    else setAnswer(r.data?.workflowQuery ?? null);
  };

  return (
    <div className="controls" data-testid="controls">
      <div className="buttons">
        {!final && (
          <button type="button" onClick={() => void run('cancel', CANCEL_JOB, {})}>
            Cancel
          </button>
        )}
        {retryable && (
          <button type="button" onClick={() => void run('retry', RETRY_JOB, {})}>
            Retry
          </button>
        )}
        {durable && !final && (
          <button
            type="button"
            className="danger"
            onClick={() =>
              void run('terminate', TERMINATE_JOB, { reason: 'terminated from the dashboard' })
            }
          >
            Terminate
          </button>
        )}
      </div>
      {signals && type && (
        <div className="signal">
          <label>
            Signal{' '}
            <select aria-label="signal" value={signal} onChange={(e) => setSignal(e.target.value)}>
              <option value="">choose…</option>
              {type.signals.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          {signal && (
            <Suspense fallback={<p className="muted">Loading the form…</p>}>
              <SchemaForm
                key={signal}
                testId="signal-form"
                schema={type.signalSchemas[signal] ?? {}}
                submitLabel={`Send ${signal}`}
                onSubmit={(payload) =>
                  void run(`signal ${signal}`, SIGNAL_JOB, { signal, payload })
                }
              />
            </Suspense>
          )}
        </div>
      )}
      {queries && type && (
        <div className="query">
          <label>
            Query{' '}
            <select
              aria-label="query"
              value={queryName}
              onChange={(e) => setQueryName(e.target.value)}
            >
              <option value="">choose…</option>
              {type.queries.map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!queryName} onClick={() => void ask()}>
            Ask
          </button>
          {answer !== undefined && <Json label="answer" value={answer} />}
        </div>
      )}
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role="status">
          {message.text}
        </p>
      )}
    </div>
  );
}

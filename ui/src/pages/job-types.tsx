import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { JOB_TYPES, SUBMIT_JOB } from '../../../src/client/documents';
import type { JobTypeRow } from '../../../src/client/documents';
import { Json } from '../components/json-view';
import { SchemaForm } from '../components/schema-form';
import { useAuth } from '../lib/auth-context';
import { canOperate } from '../lib/session';
import { useGql, useMutate } from '../lib/use-gql';

/** Each type's schema, and a submit form generated from it. */
export function JobTypes() {
  const { name } = useParams<{ name?: string }>();
  const { principal } = useAuth();
  const mutate = useMutate();
  const q = useGql<{ jobTypes: JobTypeRow[] }>(JOB_TYPES);
  const [submitted, setSubmitted] = useState<{ id: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = q.data?.jobTypes.find((t) => t.name === name) ?? null;

  const submit = async (t: JobTypeRow, input: unknown) => {
    setError(null);
    setSubmitted(null);
    try {
      const r = await mutate<{ submitJob: { id: string } }>(SUBMIT_JOB, {
        input: { type: t.name, input },
      });
      setSubmitted(r.submitJob);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="types">
      <header className="page-head">
        <h1>Job types</h1>
      </header>
      {q.error && <p className="error">{q.error}</p>}
      <div className="columns">
        <ul className="type-list" data-testid="job-types">
          {q.data?.jobTypes.map((t) => (
            <li key={t.name} className={t.name === name ? 'active' : ''}>
              <Link href={`/job-types/${encodeURIComponent(t.name)}`}>{t.name}</Link>{' '}
              <span className="muted">
                {t.workflowOnly ? 'workflow' : t.defaultBackend} · {t.queue} · {t.workers} worker(s)
              </span>
            </li>
          ))}
        </ul>
        {current && (
          <div data-testid="job-type">
            <h2>{current.name}</h2>
            <p>{current.description}</p>
            <p className="muted">
              max {current.maxAttempts} attempts · {current.timeoutMs} ms per attempt · version{' '}
              {current.version.slice(0, 12)}
              {current.signals.length > 0 && ` · signals ${current.signals.join(', ')}`}
              {current.queries.length > 0 && ` · queries ${current.queries.join(', ')}`}
              {current.sensitiveFields.length > 0 &&
                ` · masked for viewers: ${current.sensitiveFields.join(', ')}`}
            </p>
            {flowControlLines(current).length > 0 && (
              <ul className="muted" data-testid="flow-control">
                {flowControlLines(current).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
            {canOperate(principal) && (
              <>
                <h3>Submit</h3>
                <SchemaForm
                  key={current.name}
                  testId="submit-form"
                  schema={current.inputSchema ?? {}}
                  submitLabel={`Submit ${current.name}`}
                  onSubmit={(input) => void submit(current, input)}
                />
                {error && (
                  <p className="error" role="alert">
                    {error}
                  </p>
                )}
                {submitted && (
                  <p role="status" data-testid="submitted">
                    Submitted{' '}
                    <Link href={`/runs/${encodeURIComponent(submitted.id)}`}>{submitted.id}</Link>
                  </p>
                )}
              </>
            )}
            <Json label="input schema" value={current.inputSchema} />
          </div>
        )}
      </div>
    </section>
  );
}

/** A type's per-key flow control, one line an option. */
function flowControlLines(t: JobTypeRow): string[] {
  const fc = t.flowControl;
  if (!fc) return [];
  return [
    fc.concurrency && `concurrency: ${fc.concurrency.limit} at once per ${fc.concurrency.key}`,
    fc.rateLimit &&
      `rate limit: ${fc.rateLimit.max} starts per ${fc.rateLimit.perMs} ms per ${fc.rateLimit.key}`,
    fc.debounce && `debounce: ${fc.debounce.ms} ms per ${fc.debounce.key}`,
    fc.deduplicate &&
      `deduplicate: per ${fc.deduplicate.key}${fc.deduplicate.ttlMs ? ` for ${fc.deduplicate.ttlMs} ms` : ' until it finishes'}`,
  ].filter((l): l is string => !!l);
}

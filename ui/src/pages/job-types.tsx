import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { Json } from '../components/json-view';
import { SchemaForm } from '../components/schema-form';
import { useAuth } from '../lib/auth-context';
import { canOperate } from '../lib/session';
import { useGql, useMutate } from '../lib/use-gql';

interface JobTypeInfo {
  name: string;
  description: string;
  queue: string;
  defaultBackend: string;
  workflowOnly: boolean;
  maxAttempts: number;
  timeoutMs: number;
  inputSchema: Record<string, unknown> | null;
  signals: string[];
  queries: string[];
  sensitiveFields: string[];
  workers: number;
  version: string;
}

const TYPES = `query JobTypes { jobTypes { name description queue defaultBackend workflowOnly
  maxAttempts timeoutMs inputSchema signals queries sensitiveFields workers version } }`;

const SUBMIT = `mutation Submit($input: SubmitJobInput!) { submitJob(input: $input) { id status } }`;

/** Each type's schema, and a submit form generated from it. */
export function JobTypes() {
  const { name } = useParams<{ name?: string }>();
  const { principal } = useAuth();
  const mutate = useMutate();
  const q = useGql<{ jobTypes: JobTypeInfo[] }>(TYPES);
  const [submitted, setSubmitted] = useState<{ id: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = q.data?.jobTypes.find((t) => t.name === name) ?? null;

  const submit = async (t: JobTypeInfo, input: unknown) => {
    setError(null);
    setSubmitted(null);
    try {
      const r = await mutate<{ submitJob: { id: string } }>(SUBMIT, {
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

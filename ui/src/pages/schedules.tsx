import { useState } from 'react';
import { Link } from 'wouter';
import {
  PAUSE_SCHEDULE,
  RESUME_SCHEDULE,
  SCHEDULE_FIELDS,
  TRIGGER_SCHEDULE,
  UPSERT_SCHEDULE,
} from '../../../src/client/documents';
import type { ScheduleRow } from '../../../src/client/documents';
import { SchemaForm } from '../components/schema-form';
import { StatusBadge, Time } from '../components/status-badge';
import { useAuth } from '../lib/auth-context';
import { canOperate } from '../lib/session';
import { useGql, useMutate } from '../lib/use-gql';

interface Schedule extends ScheduleRow {
  recentJobs: { id: string; status: string; createdAt: string }[];
}

const SCHEDULES = `query SchedulesPage {
  schedules { ${SCHEDULE_FIELDS} recentJobs(first: 5) { id status createdAt } }
  jobTypes { name inputSchema }
}`;

function every(ms: number): string {
  if (ms % 3_600_000 === 0) return `every ${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `every ${ms / 60_000} min`;
  if (ms % 1000 === 0) return `every ${ms / 1000} s`;
  return `every ${ms} ms`;
}

function CreateSchedule({
  types,
  onCreated,
}: {
  types: { name: string; inputSchema: Record<string, unknown> | null }[];
  onCreated(): void;
}) {
  const mutate = useMutate();
  const [type, setType] = useState('');
  const [timing, setTiming] = useState<'cron' | 'every'>('cron');
  const [cron, setCron] = useState('*/5 * * * *');
  const [everySeconds, setEverySeconds] = useState('60');
  const [timezone, setTimezone] = useState('UTC');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const schema = types.find((t) => t.name === type)?.inputSchema ?? {};
  const create = async (input: unknown) => {
    setMessage(null);
    try {
      const r = await mutate<{ upsertSchedule: { id: string } }>(UPSERT_SCHEDULE, {
        input: {
          type,
          input,
          timezone,
          ...(timing === 'cron' ? { cron } : { everyMs: Math.round(Number(everySeconds) * 1000) }),
        },
      });
      setMessage({ ok: true, text: `Created ${r.upsertSchedule.id}` });
      onCreated();
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <div className="card" data-testid="create-schedule">
      <h3>New schedule</h3>
      <div className="filters">
        <select aria-label="schedule type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">job type…</option>
          {types.map((t) => (
            <option key={t.name}>{t.name}</option>
          ))}
        </select>
        <select
          aria-label="timing"
          value={timing}
          onChange={(e) => setTiming(e.target.value as 'cron' | 'every')}
        >
          <option value="cron">cron</option>
          <option value="every">interval</option>
        </select>
        {timing === 'cron' ? (
          <input aria-label="cron" value={cron} onChange={(e) => setCron(e.target.value)} />
        ) : (
          <label>
            every{' '}
            <input
              aria-label="every seconds"
              type="number"
              min={1}
              value={everySeconds}
              onChange={(e) => setEverySeconds(e.target.value)}
            />{' '}
            s
          </label>
        )}
        <input
          aria-label="timezone"
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
        />
      </div>
      {type && (
        <SchemaForm
          key={type}
          testId="schedule-input-form"
          schema={schema}
          submitLabel="Create schedule"
          onSubmit={(input) => void create(input)}
        />
      )}
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role="status">
          {message.text}
        </p>
      )}
    </div>
  );
}

/** Schedules: next runs, recent jobs, pause with a note, resume, trigger now, create. */
export function Schedules() {
  const { principal } = useAuth();
  const mutate = useMutate();
  const q = useGql<{
    schedules: Schedule[];
    jobTypes: { name: string; inputSchema: Record<string, unknown> | null }[];
  }>(SCHEDULES);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string; job?: string } | null>(null);
  const operate = canOperate(principal);

  const act = async (label: string, query: string, vars: Record<string, unknown>) => {
    setMessage(null);
    try {
      const r = await mutate<Record<string, { id: string }>>(query, vars);
      const job = r.triggerSchedule?.id;
      setMessage({ ok: true, text: `${label}: done`, job });
      q.refetch();
    } catch (e) {
      setMessage({ ok: false, text: `${label}: ${(e as Error).message}` });
    }
  };

  return (
    <section>
      <header className="page-head">
        <h1>Schedules</h1>
        <button type="button" onClick={q.refetch}>
          Refresh
        </button>
      </header>
      {q.error && <p className="error">{q.error}</p>}
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role="status">
          {message.text}
          {message.job && (
            <>
              {' '}
              <Link href={`/runs/${encodeURIComponent(message.job)}`}>{message.job}</Link>
            </>
          )}
        </p>
      )}
      <table className="grid" data-testid="schedules">
        <thead>
          <tr>
            <th>schedule</th>
            <th>type</th>
            <th>when</th>
            <th>next runs</th>
            <th>recent jobs</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data?.schedules.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No schedule yet.
              </td>
            </tr>
          )}
          {q.data?.schedules.map((s) => (
            <tr key={s.id} data-schedule={s.id}>
              <td className="mono">
                <Link href={`/runs?schedule=${encodeURIComponent(s.id)}`}>{s.id}</Link>
                {s.paused && (
                  <div>
                    <span className="tag tag-paused">paused</span>{' '}
                    {s.note && <span className="muted">{s.note}</span>}
                  </div>
                )}
              </td>
              <td>
                {s.type} <span className="muted">{s.backend}</span>
              </td>
              <td>
                {s.cron ? <code>{s.cron}</code> : s.everyMs ? every(s.everyMs) : '–'}{' '}
                <span className="muted">
                  {s.timezone} · {s.overlap}
                </span>
              </td>
              <td>
                {s.nextRunTimes.length === 0 && <span className="muted">none</span>}
                {s.nextRunTimes.map((t) => (
                  <div key={t}>
                    <Time at={t} />
                  </div>
                ))}
              </td>
              <td>
                {s.recentJobs.map((j) => (
                  <div key={j.id}>
                    <Link href={`/runs/${encodeURIComponent(j.id)}`}>
                      <StatusBadge status={j.status} />
                    </Link>{' '}
                    <Time at={j.createdAt} />
                  </div>
                ))}
              </td>
              <td>
                {operate && (
                  <div className="buttons">
                    <button
                      type="button"
                      onClick={() => void act('trigger', TRIGGER_SCHEDULE, { id: s.id })}
                    >
                      Trigger now
                    </button>
                    {s.paused ? (
                      <button
                        type="button"
                        onClick={() => void act('resume', RESUME_SCHEDULE, { id: s.id })}
                      >
                        Resume
                      </button>
                    ) : (
                      <>
                        <input
                          aria-label={`note for ${s.id}`}
                          placeholder="note"
                          value={notes[s.id] ?? ''}
                          onChange={(e) => setNotes({ ...notes, [s.id]: e.target.value })}
                        />
                        <button
                          type="button"
                          onClick={() =>
                            void act('pause', PAUSE_SCHEDULE, {
                              id: s.id,
                              note: notes[s.id] || null,
                            })
                          }
                        >
                          Pause
                        </button>
                      </>
                    )}
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {operate && q.data && <CreateSchedule types={q.data.jobTypes} onCreated={q.refetch} />}
    </section>
  );
}

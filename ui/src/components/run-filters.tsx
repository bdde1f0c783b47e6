import { useState } from 'react';
import { RANGES } from '../lib/run-filter';
import { STATUSES } from '../lib/status';
import { useUrlState } from '../lib/url-state';

/** The runs list's filters, read from and written to the URL's query string. */
export function Filters() {
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

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge s-${status.toLowerCase()}`} data-status={status}>
      {status}
    </span>
  );
}

/** A short local time, with the full ISO time on hover. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">–</span>;
  const d = new Date(at);
  return <time title={d.toISOString()}>{d.toLocaleString()}</time>;
}

export function duration(from?: string | null, to?: string | null): string {
  if (!from) return '–';
  const ms = (to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

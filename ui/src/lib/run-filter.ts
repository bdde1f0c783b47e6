/** Time ranges the runs filter offers, in minutes. */
export const RANGES: Record<string, number> = { '15m': 15, '1h': 60, '24h': 1440, '7d': 10080 };

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

import type { GqlResult, Stack } from './stack';

/** GraphQL snippets and probes the schedule suites share. */
export const SCHEDULE_FIELDS =
  'id type backend priority cron everyMs timezone overlap paused note startAt endAt createdAt input';

export const UPSERT = `mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { ${SCHEDULE_FIELDS} nextRunTimes(count: 3) } }`;

export interface RunView {
  id: string;
  status: string;
  scheduleId: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  events: { type: string; timestamp: string }[];
}

export async function upsertSchedule(
  stack: Stack,
  input: Record<string, unknown>,
  key?: string,
): Promise<Record<string, any>> {
  const r = await stack.gql<{ upsertSchedule: Record<string, any> }>(UPSERT, { i: input }, key);
  if (!r.data?.upsertSchedule)
    throw new Error(`upsertSchedule failed: ${JSON.stringify(r.errors)}`);
  return r.data.upsertSchedule;
}

/** Every stored run of a schedule, oldest first, with its events. */
export async function runsOf(stack: Stack, scheduleId: string, key?: string): Promise<RunView[]> {
  const r = await stack.gql<{ jobs: { edges: { node: RunView }[] } }>(
    `query($s: [ID!]) { jobs(filter: { scheduleIds: $s }, first: 60) { edges { node {
       id status scheduleId createdAt startedAt finishedAt events(first: 8) { type timestamp } } } } }`,
    { s: [scheduleId] },
    key,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return (r.data?.jobs.edges ?? []).map((e) => e.node).reverse();
}

/** Waits until a schedule has at least `n` finished runs; returns every run. */
export function waitForRuns(
  stack: Stack,
  scheduleId: string,
  n: number,
  timeoutMs = 30_000,
): Promise<RunView[]> {
  return stack.waitFor(
    async () => {
      const runs = await runsOf(stack, scheduleId);
      return runs.filter((r) => r.finishedAt).length >= n ? runs : null;
    },
    timeoutMs,
    `${n} finished runs of schedule ${scheduleId}`,
  );
}

/** How late each run started after it was due (a run's createdAt is its due time), ms. */
export const driftsOf = (runs: RunView[]): number[] =>
  runs
    .filter((r) => r.startedAt)
    .map((r) => Date.parse(r.startedAt as string) - Date.parse(r.createdAt));

export const codeOf = (r: GqlResult): string | undefined => r.errors?.[0]?.extensions?.code;
export const fieldOf = (r: GqlResult): unknown => r.errors?.[0]?.extensions?.field;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

import type { Stack } from './stack';

/** GraphQL snippets the suites share. */
export const JOB_FIELDS =
  'id type backend routingReason queue status priority progress attempts maxAttempts input result error idempotencyKey createdAt startedAt finishedAt';

export const SUBMIT = `mutation($input: SubmitJobInput!) { submitJob(input: $input) { ${JOB_FIELDS} } }`;
export const GET = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} events { id type attempt progress message meta } } }`;

export interface JobView {
  id: string;
  status: string;
  attempts: number;
  progress: number;
  result: unknown;
  error: string | null;
  events: {
    id: string;
    type: string;
    attempt: number | null;
    progress: number | null;
    message: string | null;
    meta: any;
  }[];
  [k: string]: unknown;
}

export async function submit(
  stack: Stack,
  input: Record<string, unknown>,
  key?: string,
): Promise<JobView> {
  const r = await stack.gql<{ submitJob: JobView }>(SUBMIT, { input }, key);
  if (!r.data?.submitJob) throw new Error(`submit failed: ${JSON.stringify(r.errors)}`);
  return r.data.submitJob;
}

export async function getJob(stack: Stack, id: string, key?: string): Promise<JobView | null> {
  const r = await stack.gql<{ job: JobView | null }>(GET, { id }, key);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data?.job ?? null;
}

/** Waits until the store shows the job in one of `statuses`. */
export function waitForStatus(
  stack: Stack,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<JobView> {
  let seen = 'no job';
  return stack
    .waitFor(
      async () => {
        const j = await getJob(stack, id);
        if (j) seen = j.status;
        return j && statuses.includes(j.status) ? j : null;
      },
      timeoutMs,
      `job ${id} to be ${statuses.join(' or ')}`,
    )
    .catch((err: Error) => {
      err.message += ` (last seen: ${seen})`;
      throw err;
    });
}

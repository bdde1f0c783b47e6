import type { Stack } from './stack';

/** A flow node as the tests write it. */
export interface Node {
  job: Record<string, unknown>;
  children?: Node[];
  onFailure?: 'FAIL_PARENT' | 'IGNORE';
}

export interface FlowJobView {
  id: string;
  type: string;
  status: string;
  result: any;
  error: string | null;
  parent: { id: string } | null;
  children: { id: string; status: string }[];
  events: { id: string; type: string; message: string | null; timestamp: string; meta: any }[];
}

export const SUBMIT_FLOW = `mutation($root: FlowNodeInput!) { submitFlow(root: $root) { id type status backend children { id type status } } }`;
const GET_FLOW_JOB = `query($id: ID!) { job(id: $id) { id type status result error parent { id } children { id status } events(first: 500) { id type message timestamp meta } } }`;

export async function submitFlow(
  stack: Stack,
  root: Node,
  key?: string,
): Promise<{
  id: string;
  status: string;
  backend: string;
  children: { id: string; type: string; status: string }[];
}> {
  const r = await stack.gql<{ submitFlow: any }>(SUBMIT_FLOW, { root }, key);
  if (!r.data?.submitFlow) throw new Error(`submitFlow failed: ${JSON.stringify(r.errors)}`);
  return r.data.submitFlow;
}

export async function flowJob(stack: Stack, id: string, key?: string): Promise<FlowJobView | null> {
  const r = await stack.gql<{ job: FlowJobView | null }>(GET_FLOW_JOB, { id }, key);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data?.job ?? null;
}

export function waitForFlowJob(
  stack: Stack,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<FlowJobView> {
  return stack.waitFor(
    async () => {
      const j = await flowJob(stack, id);
      return j && statuses.includes(j.status) ? j : null;
    },
    timeoutMs,
    `job ${id} to be ${statuses.join(' or ')}`,
  );
}

/** Ids of every node of a tree of job ids, as `submitFlow` nests them, by walking `children` in the store. */
export async function treeIds(stack: Stack, rootId: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [rootId];
  while (queue.length) {
    const id = queue.shift() as string;
    out.push(id);
    const j = await flowJob(stack, id);
    queue.push(...(j?.children ?? []).map((c) => c.id));
  }
  return out;
}

/** The timestamp (ms) of the job's first event of `type`, or NaN. */
export const at = (j: FlowJobView, type: string): number =>
  Date.parse(j.events.find((e) => e.type === type)?.timestamp ?? '');

/** What the store and the engine hold for a deployment: rows, stored events, stream entries, BullMQ keys. */
export async function footprint(
  stack: Stack,
): Promise<{ rows: number; events: number; stream: number; bullKeys: number }> {
  const prefix = stack.env.JOBGATE_PREFIX as string;
  const [{ n: rows }] = await stack.app.ds.query('SELECT count(*)::int AS n FROM jobs');
  const [{ n: events }] = await stack.app.ds.query('SELECT count(*)::int AS n FROM job_events');
  const stream = await stack.redis.xlen(`${prefix}:events`);
  let cursor = '0';
  let bullKeys = 0;
  do {
    const [next, batch] = await stack.redis.scan(
      cursor,
      'MATCH',
      `${prefix}:bull:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    // Queue meta keys exist once a queue is touched; jobs and their sets are what a flow adds.
    bullKeys += batch.filter((k) => !k.endsWith(':meta') && !k.endsWith(':stalled-check')).length;
  } while (cursor !== '0');
  return { rows, events, stream, bullKeys };
}

/** A chain `depth` levels deep: parents of type `parent`, a leaf of type `leaf` at the bottom. */
export function chain(
  depth: number,
  parent: Record<string, unknown>,
  leaf: Record<string, unknown>,
): Node {
  let node: Node = { job: leaf };
  for (let i = 1; i < depth; i++) node = { job: parent, children: [node] };
  return node;
}

/**
 * A job's priority reaches Temporal as the workflow's priority key (1 runs first; the server's
 * default, 3, is NORMAL, which is sent as no key at all). The dev server this suite runs on
 * supports task priorities, so its own description of each workflow is what is checked.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';

let stack: TemporalStack;
let key: string;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  stack = await startTemporalStack();
  key = await stack.createKey(`p-${randomBytes(4).toString('hex')}`, 'OPERATOR');
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection });
}, 120_000);
afterAll(async () => {
  await connection?.close();
  await stack?.close();
});

const priorityKeyOf = async (workflowId: string): Promise<number | undefined> => {
  const d = await client.workflow.getHandle(workflowId).describe();
  const key = d.raw.workflowExecutionInfo?.priority?.priorityKey;
  return key === undefined || key === null || key === 0 ? undefined : Number(key);
};

describe('priority on TEMPORAL', () => {
  it.each([
    ['CRITICAL', 1],
    ['HIGH', 2],
    ['NORMAL', undefined],
    ['LOW', 4],
  ])('a %s job starts its workflow with priority key %s', async (priority, expected) => {
    const job = await stack.submit(
      { type: 'sleep', input: { ms: 10 }, backend: 'TEMPORAL', priority },
      key,
    );
    await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(await priorityKeyOf(job.id)).toBe(expected);
  });
});

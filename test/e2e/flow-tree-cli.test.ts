import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeFlowJobs, flowJobs, flowLeaf, flowSum } from '../fixtures/flow-jobs';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import { submitFlow, waitForFlowJob } from '../helpers/flows';
import { CLI } from '../helpers/stack';

const run = promisify(execFile);

describe('jobgate jobs tree', () => {
  let stack: LaneStack;
  beforeAll(async () => {
    stack = await startLaneStack({ jobs: flowJobs });
  });
  afterAll(async () => {
    await stack.close();
    closeFlowJobs();
  });

  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, JOBGATE_URL: stack.url, JOBGATE_KEY: stack.adminKey },
    });

  it('prints a flow as a tree with every node and its status', async () => {
    const leaf = (n: number) => ({ job: { type: flowLeaf.name, input: { n } } });
    const root = await submitFlow(stack, {
      job: { type: flowSum.name, input: { n: 1 } },
      children: [{ job: { type: flowSum.name, input: { n: 2 } }, children: [leaf(3)] }, leaf(4)],
    });
    await waitForFlowJob(stack, root.id, ['SUCCEEDED']);
    const { stdout } = await cli(['jobs', 'tree', root.id]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`${root.id}  ${flowSum.name}  SUCCEEDED`);
    expect(lines[1]).toMatch(new RegExp(`^├─ \\S+  ${flowSum.name}  SUCCEEDED$`));
    expect(lines[2]).toMatch(new RegExp(`^│  └─ \\S+  ${flowLeaf.name}  SUCCEEDED$`));
    expect(lines[3]).toMatch(new RegExp(`^└─ \\S+  ${flowLeaf.name}  SUCCEEDED$`));
    const json = JSON.parse((await cli(['jobs', 'tree', root.id, '--json'])).stdout);
    expect(json.children[0].children[0]).toMatchObject({
      type: flowLeaf.name,
      status: 'SUCCEEDED',
      children: [],
    });
  });

  it('says NOT_FOUND for an unknown id and exits 1', async () => {
    await expect(cli(['jobs', 'tree', 'no-such-job'])).rejects.toMatchObject({ code: 1 });
  });
});

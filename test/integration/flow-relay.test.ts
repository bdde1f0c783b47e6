import { randomUUID } from 'node:crypto';
import { Backend, JobStatus, Priority } from '../../src/model/enums';
import { ChildFailurePolicy } from '../../src/model/flow';
import { JobStore } from '../../src/store/job-store';
import type { NewJobRow } from '../../src/store/job-store';
import { closeFlowJobs, flowJobs, flowLeaf, flowSum } from '../fixtures/flow-jobs';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import { flowJob, waitForFlowJob } from '../helpers/flows';

/**
 * A flow whose rows were written but which no engine got (a gateway killed between the two):
 * the submission relay hands it to its engine whole, from the root, and never a node alone.
 */
describe.each([Backend.BULLMQ, Backend.TEMPORAL])(
  'the submission relay with a %s flow',
  (backend) => {
    let stack: LaneStack;
    beforeAll(async () => {
      stack = await startLaneStack({
        jobs: flowJobs,
        temporal: backend === Backend.TEMPORAL,
        env: { RELAY_AFTER_MS: '1000', RELAY_INTERVAL_MS: '300' },
      });
    });
    afterAll(async () => {
      await stack.close();
      closeFlowJobs();
    });

    const node = (type: string, n: number, extra: Partial<NewJobRow> = {}): NewJobRow => ({
      id: randomUUID(),
      tenant: 'relay-flows',
      type,
      backend,
      routingReason: 'test',
      queue: (type === flowSum.name ? flowSum : flowLeaf).options.queue as string,
      status: JobStatus.QUEUED,
      priority: Priority.NORMAL,
      maxAttempts: 1,
      input: { n },
      idempotencyKey: null,
      delayMs: null,
      ...extra,
    });

    it('hands the engine the whole flow once, and every node runs once', async () => {
      const root = node(flowSum.name, 1, { status: JobStatus.WAITING });
      const mid = node(flowSum.name, 10, {
        status: JobStatus.WAITING,
        parentId: root.id,
        onFailure: ChildFailurePolicy.FAIL_PARENT,
      });
      const leaves = [100, 200].map((n) =>
        node(flowLeaf.name, n, { parentId: mid.id, onFailure: ChildFailurePolicy.FAIL_PARENT }),
      );
      const last = node(flowLeaf.name, 1000, {
        parentId: root.id,
        onFailure: ChildFailurePolicy.IGNORE,
      });
      await new JobStore(stack.app.ds).insertAll([root, mid, ...leaves, last]);
      const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED', 'FAILED'], 60_000);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.result.sum).toBe(1311);
      for (const j of [root, mid, ...leaves, last]) {
        const v = (await flowJob(stack, j.id))!;
        expect(v.events.filter((e) => e.type === 'QUEUED')).toHaveLength(1);
        expect(v.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
      }
    });
  },
);

import { closeFlowJobs, flowJobs, flowLeaf, flowSum } from '../fixtures/flow-jobs';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import { drill } from '../helpers/faults';
import { submitFlow, waitForFlowJob } from '../helpers/flows';
import type { Node } from '../helpers/flows';

/** Flows measured on each lane. @defaultValue 100 */
const FLOWS = Number(process.env.FLOW_LATENCY_FLOWS ?? 100);
/** Flows in flight at once. @defaultValue 10 */
const IN_FLIGHT = 10;

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * How long a parent waits after its last child: from the last child's COMPLETED to the
 * parent's STARTED (event timestamps), over FLOWS flows of a parent with three leaves, ten in
 * flight at a time. Printed for the notes; a loose bound keeps a regression from passing.
 * Runs with the drills (alone, one at a time), so the machine is not shared with other suites.
 */
async function measure(stack: LaneStack, backend: 'BULLMQ' | 'TEMPORAL'): Promise<number[]> {
  const leaf = (n: number): Node => ({ job: { type: flowLeaf.name, backend, input: { n } } });
  const flow: Node = {
    job: { type: flowSum.name, backend, input: { n: 0 } },
    children: [leaf(1), leaf(2), leaf(3)],
  };
  const roots: { id: string; children: { id: string }[] }[] = [];
  for (let i = 0; i < FLOWS; i += IN_FLIGHT) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, FLOWS - i) }, () => submitFlow(stack, flow)),
    );
    for (const r of batch) await waitForFlowJob(stack, r.id, ['SUCCEEDED'], 60_000);
    roots.push(...batch);
  }
  const events = await stack.busEvents();
  const at = (jobId: string, type: string): number =>
    Date.parse(events.find((e) => e.jobId === jobId && e.type === type)?.timestamp ?? '');
  return roots
    .map((r) => at(r.id, 'STARTED') - Math.max(...r.children.map((c) => at(c.id, 'COMPLETED'))))
    .sort((a, b) => a - b);
}

drill('flow latency: last child COMPLETED to parent STARTED', () => {
  let stack: LaneStack;
  beforeAll(async () => {
    stack = await startLaneStack({ jobs: flowJobs, temporal: true });
  });
  afterAll(async () => {
    await stack.close();
    closeFlowJobs();
  });

  it.each(['BULLMQ', 'TEMPORAL'] as const)(
    'is measured over %s flows',
    async (backend) => {
      const ms = await measure(stack, backend);
      expect(ms).toHaveLength(FLOWS);
      expect(ms.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      const line = `flow latency ${backend}: p50 ${pct(ms, 50)} ms, p99 ${pct(ms, 99)} ms, max ${ms.at(-1)} ms over ${FLOWS} flows (3 children each, ${IN_FLIGHT} in flight)`;
      console.log(line);
      expect(pct(ms, 50)).toBeLessThan(2000);
    },
    600_000,
  );
});

import { workerServing } from '../../src/compose/worker-serving';
import { Backend } from '../../src/model/enums';

const { BULLMQ, TEMPORAL } = Backend;

// Processors on queues a and b (b's defaults to TEMPORAL), workflows on a and on w.
const types = [
  { name: 'a-flow', queue: 'a', workflowOnly: true, version: 'v-af' },
  { name: 'a-job', queue: 'a', workflowOnly: false, version: 'v-aj' },
  { name: 'b-job', queue: 'b', workflowOnly: false, version: 'v-bj' },
  { name: 'w-flow', queue: 'w', workflowOnly: true, version: 'v-wf' },
];
const slots: Record<string, number> = { a: 3, b: 2, w: 5 };
const concurrencyOf = (q: string): number => slots[q];

describe('workerServing', () => {
  it('serves every type on both lanes, and counts each queue once per lane', () => {
    expect(workerServing(types, { lanes: [BULLMQ, TEMPORAL], concurrencyOf })).toEqual({
      bullmqQueues: ['a', 'b'],
      temporalQueues: ['a', 'b', 'w'],
      lanes: [BULLMQ, TEMPORAL],
      queues: ['a', 'b', 'w'],
      types: { 'a-flow': 'v-af', 'a-job': 'v-aj', 'b-job': 'v-bj', 'w-flow': 'v-wf' },
      concurrency: 3 + 2 + (3 + 2 + 5),
    });
  });

  it('on BULLMQ alone, leaves out the workflow types and the queues only they use', () => {
    expect(workerServing(types, { lanes: [BULLMQ], concurrencyOf })).toEqual({
      bullmqQueues: ['a', 'b'],
      temporalQueues: [],
      lanes: [BULLMQ],
      queues: ['a', 'b'],
      // b-job's default lane is TEMPORAL, but a submission may pick BULLMQ: it is served.
      types: { 'a-job': 'v-aj', 'b-job': 'v-bj' },
      concurrency: 3 + 2,
    });
  });

  it('on TEMPORAL alone, serves processors and workflows of every queue', () => {
    expect(workerServing(types, { lanes: [TEMPORAL], concurrencyOf })).toMatchObject({
      bullmqQueues: [],
      lanes: [TEMPORAL],
      queues: ['a', 'b', 'w'],
      types: { 'a-flow': 'v-af', 'a-job': 'v-aj', 'b-job': 'v-bj', 'w-flow': 'v-wf' },
      concurrency: 3 + 2 + 5,
    });
  });

  it('with narrowed queues, serves only the types of those queues', () => {
    expect(workerServing(types, { lanes: [BULLMQ], queues: ['a'], concurrencyOf })).toEqual({
      bullmqQueues: ['a'],
      temporalQueues: [],
      lanes: [BULLMQ],
      queues: ['a'],
      types: { 'a-job': 'v-aj' },
      concurrency: 3,
    });
    expect(
      workerServing(types, { lanes: [BULLMQ, TEMPORAL], queues: ['a'], concurrencyOf }),
    ).toMatchObject({
      lanes: [BULLMQ, TEMPORAL],
      queues: ['a'],
      types: { 'a-flow': 'v-af', 'a-job': 'v-aj' },
      concurrency: 3 + 3,
    });
  });

  it('serves nothing, on no lane, when its queues hold only workflows and TEMPORAL is not run', () => {
    expect(workerServing(types, { lanes: [BULLMQ], queues: ['w'], concurrencyOf })).toEqual({
      bullmqQueues: [],
      temporalQueues: [],
      lanes: [],
      queues: [],
      types: {},
      concurrency: 0,
    });
  });
});

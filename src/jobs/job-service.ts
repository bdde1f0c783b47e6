import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import type { SubmissionLimits } from '../model/submission';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';
import { ControlService } from './control-service';
import { FlowControl } from './flow-control';
import { FlowService } from './flow-service';
import { Backend } from '../model/enums';
import type { FlowLimits } from '../model/flow';
import type { Lanes } from './lanes-access';
import { QueueService } from './queue-service';
import { ReadService } from './read-service';
import { SubmissionService } from './submission-service';

export type { JobFilterInput, JobPage } from './read-service';

/** What a JobService is built from. */
export interface JobServiceDeps {
  jobs: JobStore;
  events: EventStore;
  bullmq: BullmqLane;
  temporal: DurableLane | null;
  catalog: JobTypeCatalog;
  limits: SubmissionLimits;
  /** Flow limits. @defaultValue 1,000 nodes, 10 levels */
  flowLimits?: FlowLimits;
  /** Called with the jobs a submission created (metrics). */
  onSubmitted?: (jobs: JobRecord[]) => void;
  /** A lane's enqueue failed while its engine may hold the jobs: their rows stay for the relay. */
  onHandOverUnknown?: (backend: Backend, jobs: JobRecord[], err: Error) => void;
}

/**
 * The job services of a gateway, one per concern (submission, reads, control, queues),
 * behind one object whose methods the resolvers call. Knows no GraphQL.
 */
export class JobService {
  readonly submission: SubmissionService;
  readonly reads: ReadService;
  readonly control: ControlService;
  readonly queueAdmin: QueueService;
  readonly flows: FlowService;

  constructor(d: JobServiceDeps) {
    const lanes: Lanes = { [Backend.BULLMQ]: d.bullmq, [Backend.TEMPORAL]: d.temporal };
    this.submission = new SubmissionService(d.jobs, lanes, d.catalog, d.limits, {
      onSubmitted: d.onSubmitted,
      onHandOverUnknown: d.onHandOverUnknown,
    });
    this.reads = new ReadService(d.jobs, d.events, lanes);
    this.flows = new FlowService(
      d.jobs,
      this.submission,
      { [Backend.BULLMQ]: d.bullmq.flows(), [Backend.TEMPORAL]: d.temporal?.flows?.() ?? null },
      d.catalog,
      d.flowLimits ?? { maxNodes: 1000, maxDepth: 10 },
      lanes,
    );
    this.control = new ControlService(
      d.jobs,
      this.reads,
      lanes,
      d.catalog,
      new FlowControl(d.jobs, lanes, this.flows),
    );
    this.queueAdmin = new QueueService(lanes, d.bullmq, d.catalog, d.jobs);
  }

  readonly submit: SubmissionService['submit'] = (...a) => this.submission.submit(...a);
  readonly submitMany: SubmissionService['submitMany'] = (...a) => this.submission.submitMany(...a);
  readonly submitFlow: FlowService['submitFlow'] = (...a) => this.flows.submitFlow(...a);
  readonly get: ReadService['get'] = (...a) => this.reads.get(...a);
  readonly require: ReadService['require'] = (...a) => this.reads.require(...a);
  readonly list: ReadService['list'] = (...a) => this.reads.list(...a);
  readonly count: ReadService['count'] = (...a) => this.reads.count(...a);
  readonly listEvents: ReadService['listEvents'] = (...a) => this.reads.listEvents(...a);
  readonly describe: ReadService['describe'] = (...a) => this.reads.describe(...a);
  readonly cancel: ControlService['cancel'] = (...a) => this.control.cancel(...a);
  readonly terminate: ControlService['terminate'] = (...a) => this.control.terminate(...a);
  readonly retry: ControlService['retry'] = (...a) => this.control.retry(...a);
  readonly retryMany: ControlService['retryMany'] = (...a) => this.control.retryMany(...a);
  readonly signal: ControlService['signal'] = (...a) => this.control.signal(...a);
  readonly query: ControlService['query'] = (...a) => this.control.query(...a);
  readonly jobTypes: QueueService['jobTypes'] = () => this.queueAdmin.jobTypes();
  readonly jobType: QueueService['jobType'] = (...a) => this.queueAdmin.jobType(...a);
  readonly queues: QueueService['queues'] = (...a) => this.queueAdmin.queues(...a);
  readonly pauseQueue: QueueService['pauseQueue'] = (...a) => this.queueAdmin.pauseQueue(...a);
  readonly resumeQueue: QueueService['resumeQueue'] = (...a) => this.queueAdmin.resumeQueue(...a);
}

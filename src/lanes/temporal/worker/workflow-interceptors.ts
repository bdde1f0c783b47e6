/**
 * Workflow interceptors bundled with every worker's workflows. For workflows written by users
 * (called with their input alone) they report what jobgate's own workflows report themselves:
 * STARTED, then one of COMPLETED, FAILED or CANCELLED, and SIGNALED for each signal. For every
 * workflow they put the job on each activity it schedules, as a header, so the activity
 * interceptor can tell whose job an activity works for. Runs in the workflow sandbox.
 */
import {
  CancellationScope,
  defaultPayloadConverter,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  SignalInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { JobEventType } from '../../../model/enums';
import {
  cancelReasonSignal,
  FLOW_ADMIT,
  FLOW_RELEASE,
  JOB_HEADER,
  JOB_MEMO,
  PROCESSOR_WORKFLOW,
  RECORD_SCHEDULED_RUN,
} from '../contract';
import type { JobMemo, JobRef } from '../contract';
import {
  asFailure,
  emitFor,
  emitReplaced,
  flowAdmitted,
  flowReleased,
  recordScheduledRun,
} from './workflow-kit';

/** Bookkeeping activities: not the job's work, so they get no activity events. */
const BOOKKEEPING = new Set([RECORD_SCHEDULED_RUN, FLOW_ADMIT, FLOW_RELEASE]);

const memoOf = (): JobMemo | undefined => workflowInfo().memo?.[JOB_MEMO] as JobMemo | undefined;

/** The job of the running workflow, or null for a workflow jobgate did not start. */
function jobOf(): JobRef | null {
  const memo = memoOf();
  if (!memo) return null;
  const { workflowId } = workflowInfo();
  return { jobId: workflowId, tenant: memo.tenant, jobType: memo.jobType, queue: memo.queue };
}

/** jobgate's own workflows emit their lifecycle themselves. */
const ownWorkflow = (): boolean => workflowInfo().workflowType === PROCESSOR_WORKFLOW;

class JobInbound implements WorkflowInboundCallsInterceptor {
  async execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const job = jobOf();
    if (!job || ownWorkflow()) return next(input);
    let cancelReason = 'cancelled';
    setHandler(cancelReasonSignal, (reason) => {
      cancelReason = reason;
    });
    // A run a Temporal Schedule started has no row yet: it writes it before anything else.
    const memo = memoOf();
    if (memo?.scheduleId)
      await recordScheduledRun({
        run: job,
        scheduleId: memo.scheduleId,
        input: input.args[0] ?? null,
        priority: memo.schedulePriority,
      });
    try {
      const superseded = await flowAdmitted(job, memo?.flow);
      if (superseded) {
        emitReplaced(job, superseded.by);
        return null;
      }
      emitFor(job, JobEventType.STARTED);
      const result = await next(input);
      emitFor(job, JobEventType.COMPLETED, { meta: { result: result ?? null } });
      return result;
    } catch (err) {
      if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
        emitFor(job, JobEventType.CANCELLED, { message: cancelReason });
        throw err;
      }
      const failure = asFailure(err);
      emitFor(job, JobEventType.FAILED, { message: failure.message });
      throw failure;
    } finally {
      await flowReleased(job, memo?.flow);
    }
  }

  async handleSignal(
    input: SignalInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ): Promise<void> {
    const job = jobOf();
    if (job && !ownWorkflow() && !input.signalName.startsWith('jobgate.')) {
      const payload = input.args[0] ?? null;
      const by =
        payload && typeof payload === 'object' && 'by' in payload
          ? ` by ${String((payload as { by: unknown }).by)}`
          : '';
      emitFor(job, JobEventType.SIGNALED, {
        message: `${input.signalName}${by}`,
        // An object payload's fields sit beside the signal's name, as a reader expects them.
        meta:
          payload && typeof payload === 'object' && !Array.isArray(payload)
            ? { ...(payload as Record<string, unknown>), signal: input.signalName }
            : { signal: input.signalName, payload },
      });
    }
    return next(input);
  }
}

class JobOutbound implements WorkflowOutboundCallsInterceptor {
  private withJob<T extends ActivityInput | LocalActivityInput>(input: T): T {
    const job = jobOf();
    // Bookkeeping is not the job's work: it gets no activity events.
    if (!job || BOOKKEEPING.has(input.activityType)) return input;
    return {
      ...input,
      headers: { ...input.headers, [JOB_HEADER]: defaultPayloadConverter.toPayload(job) },
    };
  }

  scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return next(this.withJob(input));
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return next(this.withJob(input));
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new JobInbound()],
  outbound: [new JobOutbound()],
});

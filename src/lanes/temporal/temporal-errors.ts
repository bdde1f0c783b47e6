import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { AppError, badInput, conflict, notFound, unavailable } from '../../model/app-error';

/** The gRPC status codes this file tells apart (from the gRPC spec). */
const grpcStatus = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

const grpcCodeOf = (err: unknown): number | undefined => {
  if (isGrpcServiceError(err)) return err.code;
  const cause = (err as { cause?: unknown })?.cause;
  return isGrpcServiceError(cause) ? cause.code : undefined;
};

/** True when Temporal says the workflow does not exist (or no longer runs, for signal and cancel). */
export const isNotFound = (err: unknown): boolean =>
  err instanceof WorkflowNotFoundError || grpcCodeOf(err) === grpcStatus.NOT_FOUND;

/**
 * Translates a Temporal client error into what a client may see: a missing
 * workflow is NOT_FOUND, a server that does not answer is BACKEND_UNAVAILABLE,
 * an unknown query is BAD_USER_INPUT. Anything else is returned unchanged
 * (logged and masked upstream).
 */
export function translateTemporalError(err: unknown, jobId: string): unknown {
  if (err instanceof AppError) return err;
  if (isNotFound(err)) return notFound('job', jobId);
  if (err instanceof QueryNotRegisteredError)
    return badInput(`workflowQuery: ${err.message}`, 'name');
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return conflict(`job ${jobId} already has a running workflow`);
  const code = grpcCodeOf(err);
  if (isGrpcDeadlineError(err) || code === grpcStatus.DEADLINE_EXCEEDED) {
    return unavailable(
      `Temporal did not answer in time for job ${jobId} (is a jobgate Temporal worker running?)`,
    );
  }
  if (
    code === grpcStatus.UNAVAILABLE ||
    (err instanceof ServiceError && /UNAVAILABLE|ECONNREFUSED|connect/i.test(err.message))
  ) {
    return unavailable(`Temporal is unreachable: ${(err as Error).message}`);
  }
  return err;
}

/** Runs one Temporal call for `jobId`; what it throws comes out translated as above. */
export async function translated<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateTemporalError(err, jobId);
  }
}

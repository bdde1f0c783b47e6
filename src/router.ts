import type { JobTypeDefinition } from './model/job-type';
import { Backend, BackendChoice } from './model/enums';

/** The hints of a submission the router reads. */
export interface RoutingHints {
  backend?: BackendChoice | null;
  estimatedDurationSeconds?: number | null;
  stepCount?: number | null;
  requiresCompensation?: boolean | null;
}

export interface RoutingDecision {
  backend: Backend;
  /** Which rule fired, in words, kept as the job's `routingReason`. */
  reason: string;
}

/** Longest job the fast lane takes when AUTO routing, seconds. */
export const FAST_LANE_MAX_SECONDS = 30;

/**
 * The routing policy: an explicit backend wins; otherwise long, multi-step or
 * compensating work goes to TEMPORAL; otherwise the type's default.
 */
export function route(type: JobTypeDefinition, hints: RoutingHints): RoutingDecision {
  if (hints.backend === BackendChoice.BULLMQ)
    return { backend: Backend.BULLMQ, reason: 'backend BULLMQ requested' };
  if (hints.backend === BackendChoice.TEMPORAL)
    return { backend: Backend.TEMPORAL, reason: 'backend TEMPORAL requested' };
  if (type.workflowOnly)
    return { backend: Backend.TEMPORAL, reason: `type ${type.name} is a workflow` };
  const est = hints.estimatedDurationSeconds;
  if (est != null && est > FAST_LANE_MAX_SECONDS) {
    return {
      backend: Backend.TEMPORAL,
      reason: `estimatedDurationSeconds ${est} > ${FAST_LANE_MAX_SECONDS}`,
    };
  }
  if (hints.stepCount != null && hints.stepCount > 1) {
    return { backend: Backend.TEMPORAL, reason: `stepCount ${hints.stepCount} > 1` };
  }
  if (hints.requiresCompensation)
    return { backend: Backend.TEMPORAL, reason: 'requiresCompensation' };
  return { backend: type.defaultBackend, reason: `default backend of type ${type.name}` };
}

import type { BackendChoice, Priority } from './enums';

/** One `submitJob` input, as the service receives it (GraphQL has checked the shapes). */
export interface Submission {
  type: string;
  input?: unknown;
  backend?: BackendChoice | null;
  priority?: Priority | null;
  delayMs?: number | null;
  maxAttempts?: number | null;
  estimatedDurationSeconds?: number | null;
  stepCount?: number | null;
  requiresCompensation?: boolean | null;
  idempotencyKey?: string | null;
}

/** Limits a submission is checked against. */
export interface SubmissionLimits {
  maxInputBytes: number;
  maxBatchSize: number;
  /** Most DELAYED jobs one tenant may have waiting at once; undefined for no limit. */
  maxDelayedPerTenant?: number;
}

/** Longest accepted delay: a year. */
export const MAX_DELAY_MS = 365 * 24 * 3600 * 1000;
export const MAX_ATTEMPTS = 100;

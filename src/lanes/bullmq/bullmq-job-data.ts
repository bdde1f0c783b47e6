/** What jobgate keeps in a BullMQ job's `data`; the job's name is its type. */
export interface BullmqJobData {
  tenant: string;
  input: unknown;
}

/** BullMQ key prefix under the deployment's prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

/** Marker set before a cancel request is published, for workers that pick the job up after. */
export const cancelMarkerKey = (prefix: string, jobId: string): string =>
  `${prefix}:cancelled:${jobId}`;

/** The failure reason of an attempt a cancel request stopped (the worker's, read by the lane). */
export const CANCELLED_REASON = 'jobgate:cancelled';

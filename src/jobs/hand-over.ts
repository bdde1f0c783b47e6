import type { Lane } from '../lanes/lane';
import type { JobRecord } from '../model/job-record';

/** How long a lane may take to say whether it holds a job after its enqueue failed, ms. */
const PROBE_MS = 3000;

/**
 * After a hand-over to `lane` failed: whether its engine may hold any of `jobs` all the same
 * (its reply was lost after it applied the call). It is asked job by job; an engine that
 * cannot answer within PROBE_MS may hold them.
 */
export async function engineMayHold(
  lane: Pick<Lane, 'exists'>,
  jobs: readonly JobRecord[],
): Promise<boolean> {
  const held = await Promise.all(
    jobs.map((j) =>
      Promise.race([
        lane.exists(j),
        new Promise<boolean>((resolve) => setTimeout(resolve, PROBE_MS, true).unref()),
      ]).catch(() => true),
    ),
  );
  return held.some(Boolean);
}

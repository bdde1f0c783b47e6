import type { JobStatus } from '../model/enums';
import type { FlowTree } from '../model/flow';
import type { JobRecord } from '../model/job-record';

/** What a lane does for flows: launch a whole tree of its own jobs at once. */
export interface FlowLane {
  /**
   * Hands the engine every node of `root` (its QUEUED events first, parents WAITING), all at
   * once: the engine holds the whole tree or none of it. `announce` false skips the events
   * (the submission relay handing over a flow whose events made it). @defaultValue true
   */
  enqueueFlow(root: FlowTree, announce?: boolean): Promise<void>;
  /**
   * Removes what the engine keeps of the nodes a flow launched again will replace (failed or
   * cancelled runs), so the tree can be added under the same ids.
   */
  clearForRelaunch(nodes: JobRecord[]): Promise<void>;
  /**
   * Cancels `root` and `open`, its unfinished descendants (`root` among them when it is
   * unfinished), so no node starts meanwhile. Resolves to the status `root` ends in.
   */
  cancelTree(root: JobRecord, open: JobRecord[], reason: string): Promise<JobStatus>;
}

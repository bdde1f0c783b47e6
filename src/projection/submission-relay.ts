import type { Logger } from 'pino';
import type { Lane } from '../lanes/lane';
import { PeriodicPass } from '../periodic-pass';
import type { Backend } from '../model/enums';
import type { JobCursor } from '../model/job-query';
import type { JobRecord } from '../model/job-record';
import type { JobStore } from '../store/job-store';

/** Options of {@link SubmissionRelay}. */
export interface SubmissionRelayOptions {
  /** Pause between passes, ms. @defaultValue 5000 */
  intervalMs?: number;
  /**
   * How old an accepted job must be before the relay looks at it, ms: longer than a
   * submission takes and than the aggregator's lag, so it never races a live submission.
   * @defaultValue 15000
   */
  graceMs?: number;
  /** Jobs checked per lane and pass. @defaultValue 200 */
  batchSize?: number;
}

/**
 * The job row is the submission's outbox. A submission writes the row, then hands the job to
 * its engine; a crash between the two (a gateway killed mid-request) leaves a row that no
 * engine holds, which would wait forever. The relay walks the rows that never started, asks
 * each engine whether it holds them, and hands it the ones it lacks: with their QUEUED event
 * when the row has seen none, without it when the event made it. Engines key jobs by the job
 * id, so a job that did reach its engine is never added twice. Run one per deployment, beside
 * the aggregator.
 */
export class SubmissionRelay {
  private readonly loop: PeriodicPass;
  /** Where each lane's walk goes on from; it wraps around at the end. */
  private readonly cursors = new Map<Backend, JobCursor | undefined>();
  private readonly graceMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly jobs: JobStore,
    private readonly lanes: Lane[],
    private readonly log: Logger,
    o: SubmissionRelayOptions = {},
    /** Called with the number of jobs handed again to an engine (metrics). */
    private readonly onRelayed?: (backend: Backend, n: number) => void,
    /**
     * Hands a whole flow to its engine again, from its root. A flow's nodes are never relayed
     * one by one: they reach the engine together, with their root.
     */
    private readonly redeliverFlow?: (root: JobRecord, announce: boolean) => Promise<void>,
  ) {
    this.graceMs = o.graceMs ?? 15_000;
    this.batchSize = o.batchSize ?? 200;
    this.loop = new PeriodicPass(
      () => this.relayOnce(),
      o.intervalMs ?? 5000,
      log,
      'submission relay',
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass over every lane; returns the jobs handed again to their engine. */
  async relayOnce(now = Date.now()): Promise<JobRecord[]> {
    const relayed: JobRecord[] = [];
    for (const lane of this.lanes) relayed.push(...(await this.relayLane(lane, now)));
    return relayed;
  }

  /** Flows whose root the engine does not hold: each goes to the engine again, whole. */
  private async relayFlows(lane: Lane, now: number): Promise<JobRecord[]> {
    if (!this.redeliverFlow) return [];
    const roots = await this.jobs.flows.flowRootsNotStarted(
      lane.backend,
      new Date(now - this.graceMs),
      this.batchSize,
    );
    const missing: JobRecord[] = [];
    for (const root of roots) {
      if (await lane.exists(root)) continue;
      await this.redeliverFlow(root, root.lastEventId === null);
      missing.push(root);
    }
    if (missing.length)
      this.log.warn(
        { backend: lane.backend, flows: missing.map((j) => j.id) },
        'submission relay handed flows their engine did not hold',
      );
    return missing;
  }

  private async relayLane(lane: Lane, now: number): Promise<JobRecord[]> {
    const flows = await this.relayFlows(lane, now);
    return [...flows, ...(await this.relayJobs(lane, now))];
  }

  private async relayJobs(lane: Lane, now: number): Promise<JobRecord[]> {
    const after = this.cursors.get(lane.backend);
    const rows = await this.jobs.notStarted(
      lane.backend,
      new Date(now - this.graceMs),
      this.batchSize,
      after,
    );
    const last = rows.at(-1);
    this.cursors.set(
      lane.backend,
      rows.length < this.batchSize || !last
        ? undefined
        : { createdAt: last.createdAt, id: last.id },
    );
    const missing: JobRecord[] = [];
    for (let i = 0; i < rows.length; i += 20) {
      const slice = rows.slice(i, i + 20);
      const held = await Promise.all(slice.map((j) => lane.exists(j)));
      slice.forEach((j, k) => {
        if (!held[k]) missing.push(j);
      });
    }
    if (missing.length === 0) return [];
    // Rows that saw their QUEUED event keep it; the others get it now, before the job runs.
    const silent = missing.filter((j) => j.lastEventId === null);
    const announced = missing.filter((j) => j.lastEventId !== null);
    if (silent.length) await lane.redeliver(silent, true);
    if (announced.length) await lane.redeliver(announced, false);
    this.onRelayed?.(lane.backend, missing.length);
    this.log.warn(
      { backend: lane.backend, jobs: missing.map((j) => j.id) },
      'submission relay handed jobs their engine did not hold',
    );
    return missing;
  }
}

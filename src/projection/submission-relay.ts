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
  /**
   * The time (ms) up to which the aggregators have stored every entry (see storedThroughMs).
   * With it, on a lane that emits a submission's QUEUED after the engine's answer, a job
   * whose QUEUED a crash lost gets it from the relay.
   */
  storedThrough?: () => Promise<number | undefined>;
}

/** How far back a relay that has just started looks for jobs whose QUEUED was lost, ms. */
const QUEUED_LOOKBACK_MS = 10 * 60_000;

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
  private readonly storedThrough?: () => Promise<number | undefined>;
  /** Per lane: jobs written up to here have been checked for a lost QUEUED. */
  private readonly checkedThrough = new Map<Backend, Date>();

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
    this.storedThrough = o.storedThrough;
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

  /**
   * On a lane that emits a submission's QUEUED after the engine's answer, a gateway that dies
   * between the two leaves a job the engine runs with no QUEUED. A submission emits it within
   * moments, so once the aggregators have stored every entry up to a grace period after a row
   * was written, a row with no QUEUED stored lost it: the relay emits it then (a submission's
   * QUEUED, which starts no new run however late it lands). Each row is looked at once.
   */
  private async announceLost(lane: Lane, now: number): Promise<void> {
    if (!lane.queuedAfterHandOver || !this.storedThrough) return;
    const stored = await this.storedThrough();
    if (stored === undefined) return;
    const until = new Date(Math.min(now, stored) - this.graceMs);
    const from = this.checkedThrough.get(lane.backend) ?? new Date(now - QUEUED_LOOKBACK_MS);
    if (until <= from) return;
    const rows = await this.jobs.withoutQueued(lane.backend, from, until, this.batchSize);
    const last = rows.at(-1);
    this.checkedThrough.set(
      lane.backend,
      rows.length === this.batchSize && last ? last.createdAt : until,
    );
    // One the engine does not hold is handed over, QUEUED and all, by relayJobs.
    const held = await Promise.all(rows.map((j) => lane.exists(j).catch(() => false)));
    const lost = rows.filter((_, i) => held[i]);
    if (!lost.length) return;
    await lane.announce(lost);
    this.log.warn(
      { backend: lane.backend, jobs: lost.map((j) => j.id) },
      'submission relay emitted the QUEUED a crash lost',
    );
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
    await this.announceLost(lane, now);
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

import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { JobTypeCatalog } from '../model/job-type';
import { PeriodicPass } from '../periodic-pass';
import { RetentionSweep } from '../projection/retention-sweep';
import type { Metrics } from '../server/metrics';
import { RetentionStore } from '../store/retention-store';

/** The retention sweep on its PeriodicPass, or null when every sweep is turned off (0). */
export function retentionPass(
  config: Config,
  d: {
    ds: DataSource;
    bullmq: BullmqLane;
    catalog: JobTypeCatalog;
    metrics: Metrics;
    log: Logger;
  },
): PeriodicPass | null {
  if (!config.RETENTION_DAYS && !config.RETENTION_FAILED_DAYS && !config.AUDIT_RETENTION_DAYS)
    return null;
  const log = d.log.child({ part: 'retention' });
  const sweep = new RetentionSweep(
    new RetentionStore(d.ds),
    d.bullmq,
    d.catalog,
    {
      days: config.RETENTION_DAYS,
      failedDays: config.RETENTION_FAILED_DAYS,
      auditDays: config.AUDIT_RETENTION_DAYS,
      batch: config.RETENTION_BATCH,
    },
    log,
    (what, n) => d.metrics.retentionDeleted(what, n),
  );
  return new PeriodicPass(() => sweep.run(), config.RETENTION_INTERVAL_MS, log, 'retention');
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The event log; (ms, seq) is the stream id, so a redelivered event is a no-op. */
@Entity({ name: 'job_events' })
export class JobEventEntity {
  @PrimaryColumn('bigint') ms: string;
  @PrimaryColumn('int') seq: number;
  @Column('text') tenant: string;
  @Column('text', { name: 'job_id' }) jobId: string;
  @Column('text') type: string;
  @Column('text') source: string;
  @Column('text', { name: 'job_type' }) jobType: string;
  @Column('text') queue: string;
  @Column('text', { name: 'workflow_id', nullable: true }) workflowId: string | null;
  @Column('text', { name: 'activity_id', nullable: true }) activityId: string | null;
  @Column('int', { nullable: true }) attempt: number | null;
  @Column('real', { nullable: true }) progress: number | null;
  @Column('text', { nullable: true }) message: string | null;
  @Column('jsonb', { nullable: true }) meta: Record<string, unknown> | null;
  @Column('timestamptz') ts: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The projection: one row per job, across both engines. */
@Entity({ name: 'jobs' })
export class JobEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') tenant: string;
  @Column('text') type: string;
  @Column('text') backend: string;
  @Column('text', { name: 'routing_reason' }) routingReason: string;
  @Column('text') queue: string;
  @Column('text') status: string;
  @Column('text') priority: string;
  @Column('real') progress: number;
  @Column('int') attempts: number;
  @Column('int', { name: 'max_attempts' }) maxAttempts: number;
  @Column('jsonb', { nullable: true }) input: unknown;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('text', { nullable: true }) error: string | null;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey: string | null;
  @Column('int', { name: 'delay_ms', nullable: true }) delayMs: number | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('text', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Column('text', { name: 'on_failure', nullable: true }) onFailure: string | null;
  @Column('text', { name: 'masked_paths', array: true, nullable: true }) maskedPaths:
    string[] | null;
  @Column('jsonb', { name: 'flow_keys', nullable: true }) flowKeys: Record<string, string> | null;
  @Column('bigint', { name: 'last_event_ms' }) lastEventMs: string;
  @Column('int', { name: 'last_event_seq' }) lastEventSeq: number;
}

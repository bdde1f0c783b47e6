import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import { PG_BASE, REDIS_URL } from './bench-stack';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  redis: string;
  postgres: string;
  temporal: string;
  /** 1-minute load average when the run began. */
  loadAtStart: number;
}

export async function describeMachine(temporalBinary: string): Promise<Machine> {
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('server');
  redis.disconnect();
  const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
  await pg.connect();
  const { rows } = await pg.query<{ server_version: string }>('SHOW server_version');
  await pg.end();
  let temporal = 'not installed';
  try {
    temporal = execFileSync(temporalBinary, ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^temporal version /, '');
  } catch {
    // Reported as not installed; the Temporal metric says why it did not run.
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    postgres: rows[0].server_version,
    temporal,
    loadAtStart: Number(loadavg()[0].toFixed(2)),
  };
}

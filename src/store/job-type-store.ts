import type { DataSource } from 'typeorm';
import type { JobTypeRegistration } from '../model/job-type';
import { pgJson } from './pg-json';

/** A registration with the version (hash) its worker computed. */
export type VersionedRegistration = JobTypeRegistration & { version: string };

/** One stored type: its current definition, as the worker sent it. */
export interface StoredJobType {
  name: string;
  version: string;
  definition: Partial<JobTypeRegistration>;
  registeredAt: Date;
}

/** One version of a type, as `job_type_versions` keeps it. */
export interface JobTypeVersion {
  version: string;
  registeredAt: Date;
}

interface Row {
  name: string;
  version: string;
  definition: Partial<JobTypeRegistration>;
  registered_at: Date;
}

/** Reads and writes `job_types` (current definitions) and `job_type_versions` (history). */
export class JobTypeStore {
  constructor(private readonly ds: DataSource) {}

  async all(): Promise<StoredJobType[]> {
    const rows: Row[] = await this.ds.query(
      'SELECT name, version, definition, registered_at FROM job_types ORDER BY name',
    );
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      definition: r.definition,
      registeredAt: r.registered_at,
    }));
  }

  /**
   * Stores each version in the history (once) and makes it the current definition of its
   * type. Returns the names whose current version changed. Rows are written in name order,
   * so workers registering overlapping sets at once wait on each other instead of deadlocking.
   */
  async register(types: VersionedRegistration[]): Promise<string[]> {
    const byName = new Map(types.map((t) => [t.name, t]));
    const rows = [...byName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ version, ...definition }) => ({ name: definition.name, version, definition }));
    if (rows.length === 0) return [];
    const payload = pgJson(rows);
    return this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO job_type_versions (name, version, definition)
         SELECT name, version, definition
           FROM jsonb_to_recordset($1::jsonb) AS r(name text, version text, definition jsonb)
          ORDER BY name
         ON CONFLICT (name, version) DO NOTHING`,
        [payload],
      );
      // registered_at comes from the history: when this version was first registered.
      const changed: { name: string }[] = await m.query(
        `INSERT INTO job_types (name, version, definition, registered_at)
         SELECT v.name, v.version, v.definition, v.registered_at
           FROM jsonb_to_recordset($1::jsonb) AS r(name text, version text)
           JOIN job_type_versions v ON v.name = r.name AND v.version = r.version
          ORDER BY v.name
         ON CONFLICT (name) DO UPDATE
           SET version = EXCLUDED.version, definition = EXCLUDED.definition,
               registered_at = EXCLUDED.registered_at, updated_at = now()
         WHERE job_types.version <> EXCLUDED.version
         RETURNING name`,
        [payload],
      );
      return changed.map((r) => r.name);
    });
  }

  /** Removes a type's current definition (its history stays); false when there was none. */
  async unregister(name: string): Promise<boolean> {
    const rows: { n: number }[] = await this.ds.query(
      'WITH d AS (DELETE FROM job_types WHERE name = $1 RETURNING 1) SELECT count(*)::int AS n FROM d',
      [name],
    );
    return rows[0].n > 0;
  }

  /** Every version of a type ever registered, oldest first. */
  async history(name: string): Promise<JobTypeVersion[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT version, registered_at FROM job_type_versions WHERE name = $1
        ORDER BY registered_at, version`,
      [name],
    );
    return rows.map((r) => ({ version: r.version, registeredAt: r.registered_at }));
  }
}

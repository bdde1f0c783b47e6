import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { JobTypeCatalog, JobTypeDefinition } from '../model/job-type';
import { JobTypeStore } from '../store/job-type-store';
import type { JobTypeVersion, VersionedRegistration } from '../store/job-type-store';
import { definitionOf } from './definition-defaults';
import { prepareValidators, schemaProblem } from './input-validator';
import { flowControlProblem } from '../model/flow-control';
import { SchemaRefusedError } from './schema-refused-error';
import { DEFAULT_SCHEMA_LIMITS } from './schema-limits';
import type { SchemaLimits } from './schema-limits';

/** What a TypeRegistry needs. */
export interface TypeRegistryDeps {
  ds: DataSource;
  /** Connection for commands (PUBLISH). */
  redis: Redis;
  /** Where the registry makes its own subscriber connection. */
  redisUrl: string;
  /** Redis key prefix; the change channel is `${prefix}:registry`. */
  prefix: string;
  log: Logger;
  /**
   * How often the cache is reloaded whatever the channel said, in case a change message was
   * lost (a subscriber reconnecting misses what was published meanwhile). 0 turns it off.
   * @defaultValue 30000
   */
  safetyRefreshMs?: number;
  /**
   * How big a type's schemas may be; a registration past them is refused.
   * @defaultValue DEFAULT_SCHEMA_LIMITS
   */
  schemaLimits?: SchemaLimits;
}

/** What goes on the change channel: who changed what (the receiver reloads everything). */
interface ChangeMessage {
  from: string;
  names: string[];
}

const byName = (a: JobTypeDefinition, b: JobTypeDefinition): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The registered job types, kept in Postgres and cached in memory. Reads are synchronous and do
 * no I/O (they sit on the submit path); a change made by any process reaches every cache through
 * a Redis pub/sub channel, and a periodic reload covers messages lost while disconnected.
 */
export class TypeRegistry implements JobTypeCatalog {
  private readonly id = randomUUID();
  private types = new Map<string, JobTypeDefinition>();
  private sorted: JobTypeDefinition[] = [];
  private bullmqQueues: string[] = [];
  private temporalQueues: string[] = [];
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly store: JobTypeStore,
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly channel: string,
    private readonly log: Logger,
    private readonly limits: SchemaLimits,
  ) {}

  /** Loads every type, then follows the change channel. */
  static async open(deps: TypeRegistryDeps): Promise<TypeRegistry> {
    const sub = new Redis(deps.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: `${deps.prefix}-registry`,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        sub.once('ready', resolve);
        sub.once('end', () => reject(new Error('the type registry could not connect to Redis')));
      });
      const reg = new TypeRegistry(
        new JobTypeStore(deps.ds),
        deps.redis,
        sub,
        `${deps.prefix}:registry`,
        deps.log,
        deps.schemaLimits ?? DEFAULT_SCHEMA_LIMITS,
      );
      await reg.start(deps.safetyRefreshMs ?? 30_000);
      return reg;
    } catch (err) {
      sub.disconnect();
      throw err;
    }
  }

  private async start(safetyRefreshMs: number): Promise<void> {
    this.sub.on('error', (err: Error) => this.log.warn({ err }, 'registry connection error'));
    this.sub.on('message', (_channel: string, text: string) => this.onMessage(text));
    await this.sub.subscribe(this.channel);
    // After a reconnect (ioredis subscribes again by itself), reload what may have been missed.
    this.sub.on('ready', () => this.refreshQuietly('reconnected'));
    await this.refresh();
    if (safetyRefreshMs > 0) {
      this.timer = setInterval(() => this.refreshQuietly('periodic'), safetyRefreshMs);
      this.timer.unref();
    }
  }

  private onMessage(text: string): void {
    let msg: ChangeMessage;
    try {
      msg = JSON.parse(text) as ChangeMessage;
    } catch {
      this.log.warn({ text }, 'unreadable message on the registry channel');
      return;
    }
    // Our own changes are in the cache already.
    if (msg.from !== this.id) this.refreshQuietly('changed');
  }

  private refreshQuietly(why: string): void {
    if (this.closed) return;
    this.refresh().catch((err: unknown) =>
      this.log.error({ err, why }, 'job type registry reload failed; the cache keeps its types'),
    );
  }

  find(name: string): JobTypeDefinition | undefined {
    return this.types.get(name);
  }

  all(): JobTypeDefinition[] {
    return this.sorted;
  }

  queues(): string[] {
    return this.bullmqQueues;
  }

  taskQueues(): string[] {
    return this.temporalQueues;
  }

  /**
   * Reloads the cache from Postgres. A call made while a reload runs waits for one more that
   * starts after it (the running one may predate the change the caller knows of); all such
   * calls share that one, so any number of concurrent callers cost at most two queries.
   */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.load().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.refresh();
      });
    return this.next;
  }

  private async load(): Promise<void> {
    const stored = await this.store.all();
    const defs = stored.map((s) => definitionOf(s)).sort(byName);
    // Vetted and compiled here, off the submission path; a refused version is marked so that
    // its submissions get a clear error (a row written by hand or by an older gateway).
    for (const d of defs) {
      const problem =
        prepareValidators(d, this.limits) ?? flowControlProblem(d.flowControl, d.inputSchema);
      if (problem) {
        d.schemaProblem = problem;
        if (this.types.get(d.name)?.version !== d.version)
          this.log.warn({ type: d.name, version: d.version, problem }, 'job type schema refused');
      }
    }
    this.types = new Map(defs.map((d) => [d.name, d]));
    this.sorted = defs;
    this.bullmqQueues = [
      ...new Set(defs.filter((d) => !d.workflowOnly).map((d) => d.queue)),
    ].sort();
    this.temporalQueues = [...new Set(defs.map((d) => d.queue))].sort();
  }

  /** The type from the cache; when absent, after one reload (it may be a moment old elsewhere). */
  async ensure(name: string): Promise<JobTypeDefinition | undefined> {
    const hit = this.types.get(name);
    if (hit) return hit;
    await this.refresh();
    return this.types.get(name);
  }

  /**
   * Registers types: a version not seen before goes into the history and becomes the current
   * definition; the version already current changes nothing. Safe for many workers registering
   * the same types at once. Every gateway's cache learns of a change through the channel.
   * A type whose schemas are refused (see schemaProblem) is not stored: the others are, then
   * a SchemaRefusedError names each refused type and why.
   */
  async register(types: VersionedRegistration[]): Promise<void> {
    for (const t of types) {
      if (typeof t.name !== 'string' || !t.name)
        throw new Error('a job type registration needs a name');
      if (typeof t.version !== 'string' || !t.version)
        throw new Error(`job type '${t.name}' was registered without a version`);
    }
    const refused: { name: string; problem: string }[] = [];
    const accepted = types.filter((t) => {
      const problem =
        schemaProblem(t, this.limits) ??
        flowControlProblem(t.flowControl ?? {}, t.inputSchema ?? {});
      if (problem) refused.push({ name: t.name, problem });
      return !problem;
    });
    const changed = await this.store.register(accepted);
    if (changed.length) await this.changed(changed);
    // Another process may have stored them first: its message may not have arrived yet.
    else if (accepted.some((t) => this.types.get(t.name)?.version !== t.version))
      await this.refresh();
    if (refused.length) throw new SchemaRefusedError(refused);
  }

  /** Removes a type; false when it was not registered. */
  async unregister(name: string): Promise<boolean> {
    const removed = await this.store.unregister(name);
    if (removed) await this.changed([name]);
    return removed;
  }

  /** Every version of a type ever registered, oldest first. */
  history(name: string): Promise<JobTypeVersion[]> {
    return this.store.history(name);
  }

  private async changed(names: string[]): Promise<void> {
    await this.refresh();
    const msg: ChangeMessage = { from: this.id, names };
    try {
      await this.redis.publish(this.channel, JSON.stringify(msg));
    } catch (err) {
      // Stored already: other gateways pick it up at their next periodic reload.
      this.log.warn({ err, names }, 'could not announce a job type change');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([this.running, this.next]);
    this.sub.disconnect();
  }
}

import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting jobgate reads from the environment, validated once at boot.
 * The README's configuration table is generated from this schema (`npm run docs:config`).
 */
export const configSchema = z.object({
  /** HTTP and WebSocket port of the gateway. @defaultValue 4000 */
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(4000)
    .describe('HTTP and WebSocket port of the gateway'),
  /** Address the gateway binds to. @defaultValue 0.0.0.0 */
  HOST: z.string().min(1).default('0.0.0.0').describe('Address the gateway binds to'),
  /**
   * Proxies whose X-Forwarded-* headers are believed (Express's `trust proxy`): unset for
   * none, or `loopback`, a hop count, or addresses and subnets. Behind a TLS proxy it makes
   * the board's cookie Secure and the client address the real one.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .describe(
      "Proxies whose X-Forwarded-* headers are believed (Express 'trust proxy'): unset = none, 'loopback', a hop count, or subnets",
    ),
  /** Redis for BullMQ, the event bus and rate limits. */
  REDIS_URL: z
    .string()
    .url()
    .refine((u) => /^rediss?:\/\//.test(u), 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379')
    .describe('Redis for BullMQ, the event bus and rate limits'),
  /** Postgres for the job projection, the event log and API keys. */
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must start with postgres://')
    .default('postgres://postgres@127.0.0.1:5432/jobgate')
    .describe(
      'Postgres for the job projection, the event log and API keys (database created if missing)',
    ),
  /** Longest statement on the pool of normal queries; migrations run without one. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15_000)
    .describe(
      'Longest SQL statement of normal queries, ms (migrations run on a connection of their own with no statement timeout)',
    ),
  /** Temporal frontend (gRPC). */
  TEMPORAL_ADDRESS: z
    .string()
    .min(1)
    .default('127.0.0.1:7233')
    .describe('Temporal frontend address (gRPC host:port)'),
  /** Whether this deployment has a Temporal lane. */
  TEMPORAL_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(
      'Connect the TEMPORAL lane; false runs BullMQ only (TEMPORAL jobs answer BACKEND_UNAVAILABLE)',
    ),
  /** Temporal namespace. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace'),
  /** The Temporal web UI; the dashboard links each workflow to it when set. */
  TEMPORAL_UI_URL: z
    .string()
    .url()
    .optional()
    .describe('Temporal web UI, linked from the dashboard (e.g. http://localhost:8233)'),
  /** Prefix of every Redis key and of Temporal task queues, so several deployments can share one Redis. */
  JOBGATE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('jobgate')
    .describe('Prefix of Redis keys (queues, event stream) and Temporal task queues'),
  /** When set, this key is an ADMIN of tenant `default`. */
  JOBGATE_ADMIN_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('When set, this key is an ADMIN of tenant "default"'),
  /** Approximate cap of the event stream (XADD MAXLEN ~). */
  EVENT_STREAM_MAXLEN: z.coerce
    .number()
    .int()
    .min(1000)
    .default(1_000_000)
    .describe('Approximate length cap of the Redis event stream'),
  /** Largest number of events the aggregator writes in one Postgres transaction. */
  AGGREGATOR_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('Events per aggregator batch'),
  /** Concurrency of each BullMQ worker. */
  WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(16)
    .describe('Concurrent jobs per BullMQ worker'),
  /** BullMQ job lock duration. */
  WORKER_LOCK_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30_000)
    .describe(
      "BullMQ job lock, ms: a dead worker's active jobs are found stalled and run again after it",
    ),
  /** How often BullMQ workers look for stalled jobs. */
  WORKER_STALLED_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(500)
    .default(30_000)
    .describe('How often each BullMQ worker looks for stalled jobs, ms'),
  /** A worker with no heartbeat for this long is listed LOST. */
  WORKER_LOST_AFTER_MS: z.coerce
    .number()
    .int()
    .min(500)
    .default(15_000)
    .describe('A worker with no heartbeat for this long is LOST, ms'),
  /** How old a never-started job must be before the submission relay checks its engine. */
  RELAY_AFTER_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(15_000)
    .describe(
      'A job accepted this long ago that never started is checked against its engine, and handed to it if missing (a submission cut short by a crash), ms',
    ),
  /** Pause between passes of the submission relay. */
  RELAY_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe('How often the submission relay (beside the aggregator) runs, ms'),
  /** Days a succeeded job (with its events and logs) is kept; 0 keeps them forever. */
  RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30)
    .describe('Days succeeded jobs are kept, with their events and logs (0: forever)'),
  /** Days a failed or cancelled job is kept, and BullMQ's failed jobs; 0 keeps them forever. */
  RETENTION_FAILED_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .default(90)
    .describe(
      "Days failed and cancelled jobs are kept, with their events and logs, and BullMQ's failed jobs (0: forever)",
    ),
  /** Days an audit entry is kept; 0 keeps them forever. */
  AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .default(365)
    .describe('Days audit entries are kept (0: forever)'),
  /** Pause between retention sweeps (beside the aggregator). */
  RETENTION_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(3_600_000)
    .describe('How often the retention sweep (beside the aggregator) runs, ms'),
  /** Rows one retention batch deletes, each batch one short transaction. */
  RETENTION_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('Jobs or audit entries per retention batch (one short transaction each)'),
  /** How long an ended BullMQ run may wait for its own final event before the reconciler writes it. */
  RECONCILE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe(
      "A BullMQ job that ended this long ago without its final event in the store (the worker never heard BullMQ's reply) gets it from the reconciler, ms",
    ),
  /** How often a worker sends its heartbeat. */
  WORKER_HEARTBEAT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe('How often each worker process sends its heartbeat, ms'),
  /** Longest kept log line. */
  LOG_MAX_LINE_BYTES: z.coerce
    .number()
    .int()
    .min(64)
    .default(4096)
    .describe(
      'Longest job log line kept, bytes of UTF-8; a longer line is cut to this size, a marker saying how much went included',
    ),
  /** Log lines kept per job. */
  LOG_MAX_LINES: z.coerce
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe(
      'Log lines kept per job, all attempts together; past that, each attempt (and a workflow, for the lines it logs itself) ends with one more line saying how many of its lines were dropped',
    ),
  /** Largest result a job may return. */
  MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1_048_576)
    .describe('Largest job result, bytes of JSON; a bigger one fails the attempt'),
  /** How often each process reloads the job type registry whatever the bus said. */
  REGISTRY_REFRESH_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe(
      'How often the job type cache is reloaded from Postgres in case a change message was missed, ms (0: never)',
    ),
  /** Largest JSON Schema (input or one signal's) a worker may register, in bytes. */
  MAX_SCHEMA_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(65_536)
    .describe("Largest registered JSON Schema (a type's input or one signal's), bytes of JSON"),
  /** Deepest nesting of objects and arrays in a registered JSON Schema. */
  MAX_SCHEMA_DEPTH: z.coerce
    .number()
    .int()
    .min(4)
    .default(64)
    .describe('Deepest nesting of objects and arrays in a registered JSON Schema'),
  /** Deepest nesting of objects and arrays in any JSON a client sends (input, payload, args). */
  MAX_INPUT_DEPTH: z.coerce
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(100)
    .describe(
      'Deepest nesting of objects and arrays in JSON a client sends (job input, signal payload, query args)',
    ),
  /** Most schedules one tenant may have, created over the API. */
  MAX_SCHEDULES_PER_TENANT: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Most schedules one tenant may create over the API'),
  /** Most jobs one tenant may have waiting for a `delay` to pass. */
  MAX_DELAYED_JOBS_PER_TENANT: z.coerce
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe('Most DELAYED jobs (submitted with a delay) one tenant may have waiting at once'),
  /** Largest accepted `submitJobs` batch. */
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).default(1000).describe('Largest submitJobs batch'),
  /** Largest JSON `input` of one job, in bytes. */
  MAX_INPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(256 * 1024)
    .describe('Largest job input, bytes of JSON'),
  /** Most nodes (jobs) in one `submitFlow` tree. */
  FLOW_MAX_NODES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Most jobs in one submitFlow tree; a bigger tree is refused whole'),
  /** Most levels in one `submitFlow` tree (the root is level 1). */
  FLOW_MAX_DEPTH: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(10)
    .describe(
      'Most levels in one submitFlow tree (the root is level 1); a deeper tree is refused whole',
    ),
  /** Largest HTTP request body, in bytes. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('Largest HTTP request body, bytes'),
  /** Deepest accepted GraphQL operation. */
  MAX_QUERY_DEPTH: z.coerce
    .number()
    .int()
    .min(2)
    .default(12)
    .describe('Deepest accepted GraphQL operation'),
  /** Most aliases in one operation. */
  MAX_ALIASES: z.coerce
    .number()
    .int()
    .min(1)
    .default(30)
    .describe('Most aliases in one GraphQL operation'),
  /** Highest accepted operation cost, with its variables applied (see src/server/operation-policy.ts). */
  MAX_QUERY_COST: z.coerce
    .number()
    .int()
    .min(100)
    .default(50_000)
    .describe(
      'Highest accepted GraphQL operation cost: 2 per object, 1 per scalar, times `first` for lists, 2000 per totalCount, 100 per workflow',
    ),
  /** Requests per second per tenant, across every gateway (Redis); 0 turns the limit off. */
  RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('Requests per second per tenant across all gateways; 0 = off'),
  /** Failed authentications per client address and minute, per gateway; 0 turns the limit off. */
  AUTH_FAILURES_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(30)
    .describe(
      'Failed authentications one client address may make per minute (per gateway) before its unknown keys are refused unchecked; 0 = off',
    ),
  /** Open subscriptions on one WebSocket. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe('Open subscriptions per WebSocket connection'),
  /** Open subscriptions of one API key on one gateway. */
  MAX_SUBSCRIPTIONS_PER_KEY: z.coerce
    .number()
    .int()
    .min(1)
    .default(2000)
    .describe('Open subscriptions per API key (per gateway)'),
  /** Time a WebSocket has to send connection_init, ms. */
  WS_INIT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe('Time a WebSocket has to send connection_init, ms'),
  /** Schema introspection; off by default in production. */
  GRAPHQL_INTROSPECTION: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe('Allow introspection (default: true, false when NODE_ENV=production)'),
  /** Port of a /metrics-only HTTP server for processes without a gateway (aggregator, workers). */
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe(
      'Port of /metrics for processes without a gateway (aggregator, workers); unset: none',
    ),
  /** Bearer token /metrics requires (gateway and METRICS_PORT servers); unset: /metrics is open. */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'When set, /metrics (on the gateway and on METRICS_PORT) answers only requests with Authorization: Bearer <token>, others get 401; unset: open to anyone who can reach the port',
    ),
  /** pino log level. */
  LOG_LEVEL: z
    .enum(logLevels)
    .default('info')
    .describe('Log level: fatal, error, warn, info, debug, trace or silent'),
  /** `production` turns off the dev key in GraphiQL and pretty logs. */
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('development, production or test'),
});

export type Config = z.infer<typeof configSchema>;

/** Thrown when the environment does not satisfy {@link configSchema}. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Parses `env` (default `process.env`), naming every bad variable in one error. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = { ...parsed.data, ...overrides };
  config.GRAPHQL_INTROSPECTION ??= config.NODE_ENV !== 'production';
  return config;
}

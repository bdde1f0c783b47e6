import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
// Server modules load inside the actions that need them, so client commands start fast.
import type { AppParts } from '../compose/app-types';
import { ConfigError, loadConfig } from '../config';
import type { Config } from '../config';
import type { TemporalPartsOptions } from '../compose/temporal-parts';
import type { Definition } from '../sdk/definition-types';
import type { Started } from './local-stack';
import { waitForSignal } from './run-until-signal';

function configOrExit(overrides: Partial<Config> = {}): Config {
  try {
    return loadConfig(process.env, overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

async function serve(
  config: Config,
  parts: AppParts,
  o: {
    temporal?: TemporalPartsOptions;
    banner?: (url: string | null) => void;
    started?: Started[];
    /** Resolves at the stop signal; installed by the caller when it starts things first. */
    stop?: Promise<NodeJS.Signals>;
  } = {},
): Promise<void> {
  const stop = o.stop ?? waitForSignal(console);
  const [{ startApp }, { createLogger }, { temporalParts }] = await Promise.all([
    import('../compose/app.js'),
    import('../logger.js'),
    import('../compose/temporal-parts.js'),
  ]);
  const log = createLogger(config);
  const withTemporal =
    config.TEMPORAL_ENABLED && o.temporal
      ? { ...parts, ...temporalParts(config, log, o.temporal) }
      : parts;
  const stopStarted = async (): Promise<void> => {
    for (const s of [...(o.started ?? [])].reverse()) {
      log.info(`stopping ${s.name}`);
      await s.stop();
    }
  };
  let app;
  try {
    app = await startApp(config, log, withTemporal);
  } catch (err) {
    await stopStarted();
    throw err;
  }
  o.banner?.(app.url);
  if (app.url) log.info({ url: `${app.url}/graphql` }, 'gateway listening');
  await stop;
  try {
    await app.close();
  } catch (err) {
    log.error({ err }, 'shutdown failed');
  }
  await stopStarted();
  log.info('stopped');
}

/** The modules `--jobs` names, or the bundled examples. */
const jobModules = (v?: string): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [join(__dirname, '..', '..', 'examples', 'index.js')];

/**
 * Loads and checks the definitions of `--jobs`; a module that is missing, fails to load or
 * exports none, or a definition that cannot be served, ends the process with status 2.
 */
async function definitionsOrExit(spec?: string): Promise<Definition[]> {
  const [{ loadJobModules }, { resolveDefinitions }] = await Promise.all([
    import('../sdk/load-modules.js'),
    import('../sdk/resolve.js'),
  ]);
  try {
    const defs = await loadJobModules(jobModules(spec));
    resolveDefinitions(defs);
    return defs;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'JobModuleError' || name === 'DefinitionError') {
      console.error(`jobgate: ${(err as Error).message}`);
      process.exit(2);
    }
    throw err;
  }
}

const queuesOf = (v?: string): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** start, gateway, aggregator, worker, migrate. */
export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description('run the whole local stack in one process tree: gateway, aggregator and workers')
    .option(
      '--jobs <modules>',
      'comma-separated modules of job definitions to serve (default: the bundled examples)',
    )
    .option(
      '--host <address>',
      'address to listen on (default 127.0.0.1, this machine only; HOST sets it too)',
    )
    .action(async (o: { jobs?: string; host?: string }) => {
      const chosenKey = process.env.JOBGATE_ADMIN_KEY;
      const devKey = chosenKey ?? `dev_${randomBytes(16).toString('hex')}`;
      // A local stack listens on this machine only unless told otherwise.
      const host = o.host ?? process.env.HOST ?? '127.0.0.1';
      const config = configOrExit({ JOBGATE_ADMIN_KEY: devKey, HOST: host });
      const jobs = await definitionsOrExit(o.jobs);
      // Listen first: Ctrl-C while the local stack comes up still stops what was started.
      const stop = waitForSignal(console);
      const [{ createLogger }, { ensureLocalStack }] = await Promise.all([
        import('../logger.js'),
        import('./local-stack.js'),
      ]);
      const log = createLogger(config);
      const { started, temporalUi } = await ensureLocalStack(config, log);
      // GraphiQL opens with a generated dev key in its headers tab, for this machine's browser
      // only; never a key the operator chose (JOBGATE_ADMIN_KEY), never in production.
      await serve(
        config,
        {
          devKey: config.NODE_ENV === 'production' || chosenKey ? null : devKey,
          jobs,
          temporalUiUrl: temporalUi,
        },
        {
          started,
          stop,
          temporal: { lane: true, worker: true, reconciler: true },
          banner: (url) => {
            console.log(
              [
                '',
                '  jobgate is up',
                `  dashboard    ${url}/ui   (sign in with the admin key below)`,
                `  GraphiQL     ${url}/graphiql`,
                `  GraphQL      ${url}/graphql   (HTTP and WebSocket)`,
                `  metrics      ${url}/metrics`,
                `  Bull Board   ${url}/admin/queues   (after signing in to the dashboard)`,
                ...(temporalUi ? [`  Temporal UI  ${temporalUi}`] : []),
                `  admin key    ${devKey}${process.env.JOBGATE_ADMIN_KEY ? '   (from JOBGATE_ADMIN_KEY)' : '   (dev key, generated: set JOBGATE_ADMIN_KEY to choose one)'}`,
                '',
              ].join('\n'),
            );
          },
        },
      );
    });

  program
    .command('gateway')
    .description('run the GraphQL gateway (HTTP and WebSocket on one port)')
    .option('--with-aggregator', 'also run the aggregator in this process')
    .action(async (o: { withAggregator?: boolean }) => {
      await serve(
        configOrExit(),
        { aggregator: !!o.withAggregator, bullmqWorker: false },
        { temporal: { lane: true, reconciler: !!o.withAggregator } },
      );
    });

  program
    .command('aggregator')
    .description('run the aggregator: event stream -> Postgres')
    .action(async () => {
      // The reconciler lives beside the aggregator: one per deployment, next to the store's truth.
      await serve(
        configOrExit(),
        { gateway: false, bullmqWorker: false },
        { temporal: { lane: true, reconciler: true } },
      );
    });

  program
    .command('worker')
    .description(
      'run a worker for the definitions of --jobs: registers them and serves them on BullMQ and Temporal',
    )
    .option(
      '--jobs <modules>',
      'comma-separated modules of job definitions (default: the bundled examples)',
    )
    .option('--queues <names>', 'comma-separated queues to serve (default: every queue of --jobs)')
    .option('--temporal', 'serve the TEMPORAL lane only')
    .option('--bullmq', 'serve the BULLMQ lane only')
    .action(async (o: { jobs?: string; queues?: string; temporal?: boolean; bullmq?: boolean }) => {
      const config = configOrExit();
      const jobs = await definitionsOrExit(o.jobs);
      const queues = queuesOf(o.queues);
      await serve(
        config,
        {
          gateway: false,
          aggregator: false,
          migrate: false,
          jobs,
          bullmqWorker: o.temporal ? false : undefined,
          workerQueues: queues,
        },
        // The lane's client writes the Temporal Schedules the definitions declare.
        { temporal: { lane: !o.bullmq, worker: !o.bullmq } },
      );
    });

  program
    .command('migrate')
    .description('create the database when missing and apply pending migrations')
    .action(async () => {
      const config = configOrExit();
      const { migrate } = await import('../store/data-source.js');
      const ran = await migrate(config.DATABASE_URL);
      console.log(ran.length ? `applied: ${ran.join(', ')}` : 'database is up to date');
    });
}

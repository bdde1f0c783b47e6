// No Docker engine runs in CI, so the compose file's wiring is checked by reading it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { registerServerCommands } from '../../src/cli/server-commands';
import { configSchema } from '../../src/config';

const ROOT = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; interval?: string };
  volumes?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const JOBGATE = ['gateway', 'aggregator', 'worker', 'temporal-worker'];

/** A compose value with ${VAR:-default} and ${VAR:?message} filled as `docker compose` would, given `env`. */
const interpolate = (v: string | number | boolean, env: Record<string, string>): string =>
  String(v).replace(
    /\$\{(\w+)(?::([-?])([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      if (env[name] !== undefined) return env[name];
      if (op === '-') return arg ?? '';
      throw new Error(`${name} is required: ${arg}`);
    },
  );

describe('docker-compose.yml', () => {
  it('runs the engines, the Temporal UI and every jobgate process', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'aggregator',
        'gateway',
        'postgres',
        'redis',
        'temporal',
        'temporal-postgres',
        'temporal-ui',
        'temporal-worker',
        'worker',
      ].sort(),
    );
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services['temporal-postgres'].image).toMatch(/^postgres:/);
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:\d/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d/);
    for (const name of Object.keys(services))
      expect(services[name].image ?? services[name].build).toBeTruthy();
  });

  it('builds every jobgate process from this repository into one image', () => {
    const images = new Set(JOBGATE.map((n) => services[n].image));
    expect(images.size).toBe(1);
    for (const n of JOBGATE) expect(services[n].build).toBe('.');
  });

  it('keeps Redis durable with the append-only file', () => {
    expect(services.redis.command?.join(' ')).toContain('--appendonly yes');
    expect(services.redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('gives Temporal its own Postgres', () => {
    const env = services.temporal.environment ?? {};
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('publishes the gateway on 4000 and the Temporal UI, which has no authentication, on 127.0.0.1:8080 only', () => {
    expect(services.gateway.ports).toContain('4000:4000');
    expect(String(services.gateway.environment?.PORT)).toBe('4000');
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    for (const n of [
      'redis',
      'postgres',
      'temporal-postgres',
      'aggregator',
      'worker',
      'temporal-worker',
    ]) {
      expect(services[n].ports).toBeUndefined();
    }
  });

  it('gives every service a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1]).toEqual([
        name,
        true,
      ]);
    }
  });

  it('gates every dependency on the health of a service that has a healthcheck, with no cycle', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.depends_on) continue;
      expect([name, Array.isArray(s.depends_on)]).toEqual([name, false]);
      for (const [dep, cond] of Object.entries(
        s.depends_on as Record<string, { condition: string }>,
      )) {
        expect([name, dep, dep in services, cond.condition]).toEqual([
          name,
          dep,
          true,
          'service_healthy',
        ]);
        expect(services[dep].healthcheck).toBeDefined();
      }
    }
    const visiting = new Set<string>();
    const visit = (n: string, path: string[]): void => {
      if (path.includes(n)) throw new Error(`depends_on cycle: ${[...path, n].join(' -> ')}`);
      if (visiting.has(n)) return;
      visiting.add(n);
      for (const d of Object.keys((services[n].depends_on as Record<string, unknown>) ?? {}))
        visit(d, [...path, n]);
    };
    for (const n of Object.keys(services)) visit(n, []);
    // The gateway migrates the schema; the aggregator writes to it only after that.
    expect(Object.keys(services.aggregator.depends_on ?? {})).toContain('gateway');
    // Processes with a Temporal lane, worker or reconciler wait for Temporal's namespace.
    for (const n of ['gateway', 'aggregator', 'temporal-worker']) {
      expect([n, Object.keys(services[n].depends_on ?? {})]).toEqual([
        n,
        expect.arrayContaining(['temporal']),
      ]);
    }
  });

  it('sets on jobgate processes only variables that the config schema knows, with values it accepts', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const n of JOBGATE) {
      const env = services[n].environment ?? {};
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect([n, unknown]).toEqual([n, []]);
      for (const k of [
        'REDIS_URL',
        'DATABASE_URL',
        'TEMPORAL_ENABLED',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'JOBGATE_ADMIN_KEY',
        'LOG_LEVEL',
        'NODE_ENV',
      ]) {
        expect([n, k, k in env]).toEqual([n, k, true]);
      }
      const filled = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          interpolate(v, { JOBGATE_ADMIN_KEY: 'a-key-of-at-least-16-chars' }),
        ]),
      );
      const parsed = configSchema.safeParse(filled);
      expect([n, parsed.success ? 'ok' : parsed.error.message]).toEqual([n, 'ok']);
      expect(filled.NODE_ENV).toBe('production');
    }
  });

  it('refuses to start without an admin key rather than run with a default one', () => {
    expect(() => interpolate(services.gateway.environment?.JOBGATE_ADMIN_KEY ?? '', {})).toThrow(
      /JOBGATE_ADMIN_KEY is required/,
    );
  });

  it('points jobgate at the services of this file', () => {
    const env = services.gateway.environment ?? {};
    expect(new URL(String(env.REDIS_URL)).hostname).toBe('redis');
    const db = new URL(String(env.DATABASE_URL));
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(services.postgres.environment?.POSTGRES_USER);
    expect(db.password).toBe(services.postgres.environment?.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${services.postgres.environment?.POSTGRES_DB}`);
    expect(String(env.TEMPORAL_ADDRESS).split(':')[0]).toBe('temporal');
  });

  it('runs commands that the jobgate CLI has', () => {
    const program = new Command();
    registerServerCommands(program);
    for (const n of JOBGATE) {
      const [name, ...flags] = services[n].command ?? [];
      const cmd = program.commands.find((c) => c.name() === name);
      expect([n, cmd ? name : undefined]).toEqual([n, name]);
      for (const f of flags)
        expect([n, cmd?.options.some((o) => o.long === f.split('=')[0])]).toEqual([n, true]);
    }
  });

  it('declares every named volume it mounts', () => {
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(compose.volumes).toHaveProperty(source);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds with dev dependencies and runs with production ones only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => /AS build/.test(s)) ?? '';
    expect(build).toMatch(/npm ci(?! --omit=dev)/);
    expect(build).toContain('tsc -p tsconfig.build.json');
    expect(build).toContain('node scripts/build-graphiql.mjs');
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('runs the jobgate CLI as a user other than root', () => {
    const run = stages[stages.length - 1];
    expect(run).toMatch(/^USER (?!root)\w+/m);
    expect(run).toContain('ENTRYPOINT ["node", "dist/src/cli/index.js"]');
    expect(run).toContain('ENV NODE_ENV=production');
    // What the compose healthchecks run must be in the image.
    expect(run).toContain('scripts/healthcheck.mjs');
  });
});

import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { CliError, ExitCode, usageError } from './cli-error';
import { GatewayClient } from './gateway-client';

/** Options every client command takes. */
export interface ClientOptions {
  /** GraphQL endpoint. @defaultValue env JOBGATE_URL, else http://localhost:4000/graphql */
  url?: string;
  /** API key. @defaultValue env JOBGATE_KEY */
  key?: string;
  /** Print JSON instead of text. @defaultValue false */
  json?: boolean;
}

export const DEFAULT_URL = 'http://localhost:4000/graphql';

/**
 * Adds --url, --key and --json. No defaults here on purpose: a group and its
 * subcommands both declare them, and `optsWithGlobals` would let a child's
 * default hide a value given to the group.
 */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      `GraphQL endpoint of the gateway (default: $JOBGATE_URL or ${DEFAULT_URL})`,
    )
    .option('--key <key>', 'API key (default: $JOBGATE_KEY)')
    .option('--json', 'print JSON for scripts instead of text');
}

/** What a client command's handler receives. */
export interface Invocation {
  /** Positional arguments as commander parsed them (a variadic one is an array). */
  args: unknown[];
  opts: ClientOptions & Record<string, unknown>;
  json: boolean;
  /** The gateway named by --url and --key; throws a usage error when they are unusable. */
  gateway(): GatewayClient;
}

function gatewayOf(opts: ClientOptions): GatewayClient {
  const url = opts.url ?? process.env.JOBGATE_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(
      `--url: '${url}' is not a URL; give the gateway's endpoint, e.g. ${DEFAULT_URL}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`--url: '${url}' must start with http:// or https://, e.g. ${DEFAULT_URL}`);
  }
  const key = opts.key ?? process.env.JOBGATE_KEY;
  if (!key)
    throw usageError('no API key: pass --key or set JOBGATE_KEY (`npm start` prints the dev key)');
  // The gateway serves GraphQL at /graphql only: a bare host:port means that.
  if (parsed.pathname === '/') parsed.pathname = '/graphql';
  return new GatewayClient(parsed.toString(), key);
}

/** Prints a command's failure and returns its exit code. */
function report(err: unknown): number {
  if (err instanceof CliError) {
    if (err.message) process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return ExitCode.FAILED;
}

/** Wraps a handler as a commander action: errors become a message and an exit code. */
export function run(
  handler: (inv: Invocation) => Promise<number | void>,
): (...all: unknown[]) => Promise<void> {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const opts = cmd.optsWithGlobals<ClientOptions & Record<string, unknown>>();
    let code: number;
    try {
      code =
        (await handler({
          args: cmd.processedArgs,
          opts,
          json: !!opts.json,
          gateway: () => gatewayOf(opts),
        })) ?? ExitCode.OK;
    } catch (err) {
      code = report(err);
    }
    process.exitCode = code;
  };
}

/** Parses a JSON option value; `@path` reads the JSON from a file. */
export function jsonArg(raw: string): unknown {
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = readFileSync(raw.slice(1), 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${raw.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(
      `it is not JSON (${(err as Error).message}); quote it for the shell, e.g. '{"ms":1000}', or pass @file.json`,
    );
  }
}

/** A parser for a whole number between `min` and `max`. */
export const intArg =
  (min: number, max: number) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };

/** A parser for one value of an enum, case-insensitive. */
export const enumArg =
  (allowed: readonly string[]) =>
  (raw: string): string => {
    const v = raw.trim().toUpperCase();
    if (!allowed.includes(v))
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return v;
  };

/** A parser for a comma-separated list of enum values, case-insensitive. */
export const enumListArg =
  (allowed: readonly string[]) =>
  (raw: string): string[] =>
    listArg(raw).map(enumArg(allowed));

/** Splits "a, b,c" into ['a', 'b', 'c']. */
export const listArg = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

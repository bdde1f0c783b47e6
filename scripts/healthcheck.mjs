#!/usr/bin/env node
// Container healthcheck without curl or wget in the image:
//   node scripts/healthcheck.mjs http://127.0.0.1:4000/readyz   ok when the URL answers 2xx
//   node scripts/healthcheck.mjs redis postgres temporal         ok when each dependency named
//                                                               accepts a TCP connection
// Dependencies are read from REDIS_URL, DATABASE_URL and TEMPORAL_ADDRESS, as jobgate reads them.
import { connect } from 'node:net';

const TIMEOUT_MS = 3000;
const targets = {
  redis: () => hostPort(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 6379),
  postgres: () => hostPort(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/jobgate', 5432),
  temporal: () => hostPort(`tcp://${process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'}`, 7233),
};

function hostPort(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || defaultPort) };
}

const tcp = ({ host, port }) =>
  new Promise((resolve, reject) => {
    const s = connect({ host, port, timeout: TIMEOUT_MS });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('timeout', () => {
      s.destroy();
      reject(new Error(`${host}:${port} timed out`));
    });
    s.once('error', (err) => reject(new Error(`${host}:${port}: ${err.message}`)));
  });

async function check(arg) {
  if (/^https?:\/\//.test(arg)) {
    const res = await fetch(arg, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`${arg} answered ${res.status}`);
    return;
  }
  const target = targets[arg];
  if (!target)
    throw new Error(
      `unknown check '${arg}': give a URL or one of ${Object.keys(targets).join(', ')}`,
    );
  await tcp(target());
}

const args = process.argv.slice(2);
if (!args.length) {
  console.error('usage: healthcheck.mjs <url | redis | postgres | temporal>...');
  process.exit(2);
}
try {
  await Promise.all(args.map(check));
} catch (err) {
  console.error(`unhealthy: ${err.message}`);
  process.exit(1);
}

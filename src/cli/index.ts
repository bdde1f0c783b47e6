#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { registerClientCommands } from './client';
import { registerServerCommands } from './server-commands';

const program = new Command();
program
  .name('jobgate')
  .description('GraphQL job-control gateway over BullMQ and Temporal')
  .version('0.1.0');
program.exitOverride((err) => {
  // Usage errors exit 2; --help and --version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 2);
});
registerServerCommands(program);
registerClientCommands(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

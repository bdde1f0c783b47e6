import type { Command } from 'commander';
import { registerEventCommands } from './events';
import { registerJobCommands } from './jobs';
import { registerKeyCommands } from './keys';
import { registerQueueCommands } from './queues';
import { registerRegistryCommands } from './registry';
import { registerScheduleCommands } from './schedules';
import { registerWorkflowCommands } from './workflows';

/**
 * The client side of `jobgate`: jobs, workflows, events, queues, keys, types and workers, each
 * a GraphQL client of a running gateway (--url, --key, --json on every one).
 * Exit codes: 0 ok, 1 the operation failed, 2 bad usage.
 */
export function registerClientCommands(program: Command): void {
  registerJobCommands(program);
  registerWorkflowCommands(program);
  registerEventCommands(program);
  registerQueueCommands(program);
  registerKeyCommands(program);
  registerRegistryCommands(program);
  registerScheduleCommands(program);
}

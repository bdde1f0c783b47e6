import { startTestTemporal } from './helpers/temporal-server';

/**
 * Starts one Temporal dev server (in memory, free port) for the whole run and
 * hands its address to every suite through TEMPORAL_ADDRESS.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startTestTemporal();
  process.env.TEMPORAL_ADDRESS = server.address;
  (globalThis as { __JOBGATE_TEMPORAL__?: unknown }).__JOBGATE_TEMPORAL__ = server;
}

import type { Logger } from 'pino';

/**
 * Resolves at the first SIGINT or SIGTERM; a second one exits at once. Call it
 * before starting anything, so a signal during start-up still stops cleanly.
 */
export function waitForSignal(log: Pick<Logger, 'info' | 'warn'>): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (received) {
        log.warn(`${sig} again: exiting now`);
        process.exit(130);
      }
      received = true;
      log.info(`${sig}: shutting down`);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

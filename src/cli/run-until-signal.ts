import type { Logger } from 'pino';

/**
 * A Ctrl-C in a terminal reaches a process both from the terminal (the whole foreground process
 * group) and from `npm start`, which forwards it to its script: a second signal this soon after
 * the first is that same Ctrl-C.
 */
const SAME_SIGNAL_MS = 1000;

/**
 * Resolves at the first SIGINT or SIGTERM; a second one (a new Ctrl-C, not the first one
 * delivered twice) exits at once. Call it before starting anything, so a signal during start-up
 * still stops cleanly.
 */
export function waitForSignal(log: Pick<Logger, 'info' | 'warn'>): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let receivedAt: number | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (receivedAt !== null) {
        if (Date.now() - receivedAt < SAME_SIGNAL_MS) return;
        log.warn(`${sig} again: exiting now`);
        process.exit(130);
      }
      receivedAt = Date.now();
      log.info(`${sig}: shutting down`);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

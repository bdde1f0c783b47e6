import type { Logger } from 'pino';

/**
 * Runs `pass` every `intervalMs`, one pass at a time (the next is scheduled when the last
 * ends), logging a failed pass and going on. `stop` waits for a pass under way.
 */
export class PeriodicPass {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Logged with a failed pass. */
    private readonly what: string,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.run()
        .catch((err: unknown) => this.log.error({ err }, `${this.what} pass failed`))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }
}

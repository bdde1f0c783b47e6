/** Exit codes of the client commands. */
export const ExitCode = {
  /** The command did what it was asked. */
  OK: 0,
  /** The operation failed: a GraphQL error, a failed job, an unreachable gateway. */
  FAILED: 1,
  /** Bad usage: an unknown option, a malformed argument, bad JSON. */
  USAGE: 2,
  /** Stopped with Ctrl-C. */
  INTERRUPTED: 130,
} as const;

/**
 * A failure the CLI reports as one message (naming the problem and the fix)
 * and an exit code; anything else that escapes a command is a bug.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.FAILED,
  ) {
    super(message);
    this.name = 'CliError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.USAGE);

/** One line a job's code logged (ctx.log, or log() in a workflow): a LOG event. */
export interface JobLogLine {
  /** The LOG event's id: increasing within the job; a page's last one is the next `after`. */
  id: string;
  at: Date;
  /** The attempt that logged it; null when unknown (workflow code). */
  attempt: number | null;
  line: string;
}

import { SUBMIT_JOBS } from './documents';
import type { HttpTransport } from './http-transport';
import type { Job } from './job';
import { JobgateError } from './jobgate-error';
import type { SubmitJobInput } from './submit-options';

/** One caller's submission, waiting for its batch. */
interface Pending {
  input: SubmitJobInput;
  resolve(job: Job): void;
  reject(err: JobgateError): void;
}

/** The index of the submission a batch's error names: `inputs[3].input.width` -> 3. */
const BATCH_FIELD = /^inputs\[(\d+)\]/;

/**
 * Gathers the submissions made in one tick (the current task, its microtasks, and up to the
 * next `setImmediate`) into `submitJobs` requests of at most `batchSize`.
 *
 * The gateway checks a whole batch before it stores any of it, and fails the batch when one
 * submission is bad, naming it (`inputs[i]`). The batcher then fails that caller alone and
 * sends the rest again with the same idempotency keys, so nobody gets a second job.
 */
export class SubmitBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly transport: HttpTransport,
    private readonly batchSize: number,
  ) {}

  submit(input: SubmitJobInput): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every submission made so far has its answer. */
  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight.size) {
      if (this.scheduled) await new Promise((r) => setImmediate(r));
      else await Promise.all([...this.inFlight]);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += this.batchSize) {
      const sending = this.send(all.slice(i, i + this.batchSize));
      this.inFlight.add(sending);
      void sending.finally(() => this.inFlight.delete(sending));
    }
  }

  /** Sends one batch until every submission in it has a job or its own error; never rejects. */
  private async send(batch: Pending[]): Promise<void> {
    let live = batch;
    while (live.length) {
      try {
        const data = await this.transport.request<{ submitJobs: Job[] }>(
          SUBMIT_JOBS,
          { inputs: live.map((p) => p.input) },
          'idempotent',
        );
        live.forEach((p, i) => p.resolve(data.submitJobs[i]));
        return;
      } catch (err) {
        const error = err instanceof JobgateError ? err : new JobgateError(String(err), 'INTERNAL');
        const at = error.code === 'BAD_USER_INPUT' ? BATCH_FIELD.exec(error.field ?? '') : null;
        const index = at ? Number(at[1]) : -1;
        if (index < 0 || index >= live.length) {
          for (const p of live) p.reject(error);
          return;
        }
        live[index].reject(ownError(error, index));
        live = live.filter((_, i) => i !== index);
      }
    }
  }
}

/**
 * The batch's error as the caller's own, named as `submitJob` names it:
 * `inputs[3].input.width` becomes `input.input.width`.
 */
function ownError(error: JobgateError, index: number): JobgateError {
  const own = (text: string): string => text.split(`inputs[${index}]`).join('input');
  return new JobgateError(own(error.message), error.code, own(error.field ?? ''), error.status);
}

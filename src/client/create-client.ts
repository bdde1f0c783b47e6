import { randomUUID } from 'node:crypto';
import type { ClientOptions } from './client-options';
import { CANCEL_JOB, JOB, RETRY_JOB, SIGNAL_JOB } from './documents';
import { EventStream } from './event-stream';
import { HttpTransport } from './http-transport';
import type { Job } from './job';
import { FINISHED_STATUSES } from './job';
import type { EventsOptions, JobEventType } from './job-event';
import type { JobgateClient, Named, WaitOptions } from './jobgate-client';
import { JobgateError } from './jobgate-error';
import { LiveSocket } from './live-socket';
import type { RetryPolicy } from './retry-policy';
import { SubmitBatcher } from './submit-batcher';
import type { SubmitJobInput, SubmitManyItem, SubmitOptions } from './submit-options';

/** The events after which a job may have finished. */
const FINISHING_EVENTS: JobEventType[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
/** `wait` also reads the job now and then, in case its last event came before the subscription. */
const RECHECK_FIRST_MS = 1000;
const RECHECK_MAX_MS = 5000;
/** After a finishing event, the job's row may trail it briefly: read again this soon. */
const AFTER_EVENT_MS = 50;

const closedError = (): JobgateError => new JobgateError('the client is closed', 'CLOSED');

/** A producer's client of one gateway: typed, batched submissions that never make a job twice. */
export function createClient(options: ClientOptions): JobgateClient {
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? 8,
    baseMs: options.backoffMs ?? 200,
    maxMs: options.maxBackoffMs ?? 10_000,
  };
  const batchSize = options.batchSize ?? 50;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
  const transport = new HttpTransport(
    options.url,
    options.apiKey,
    policy,
    options.requestTimeoutMs ?? 30_000,
    options.fetch ?? globalThis.fetch,
  );
  const batcher = new SubmitBatcher(transport, batchSize);
  let socket: LiveSocket | undefined;
  const streams = new Set<EventStream>();
  const waits = new Set<(error: JobgateError) => void>();
  let closed = false;

  const live = (): LiveSocket => (socket ??= new LiveSocket(options.url, options.apiKey));
  const openStream = (o: EventsOptions): EventStream => {
    const stream = new EventStream(live(), o, policy, (s) => streams.delete(s));
    streams.add(stream);
    return stream;
  };

  const toInput = (type: string, input: unknown, o: SubmitOptions = {}): SubmitJobInput => ({
    ...o,
    type,
    input,
    idempotencyKey: o.idempotencyKey ?? randomUUID(),
  });
  const enqueue = (input: SubmitJobInput): Promise<Job> =>
    closed ? Promise.reject(closedError()) : batcher.submit(input);

  const get = async (id: string): Promise<Job | null> =>
    (await transport.request<{ job: Job | null }>(JOB, { id }, 'idempotent')).job;

  const wait = (idOrJob: string | Job, o: WaitOptions = {}): Promise<Job> =>
    new Promise<Job>((resolve, reject) => {
      const id = typeof idOrJob === 'string' ? idOrJob : idOrJob.id;
      if (closed) return reject(closedError());
      let done = false;
      let recheck: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const stream = openStream({ jobId: id, types: FINISHING_EVENTS });
      const finish = (error: JobgateError | undefined, job?: Job): void => {
        if (done) return;
        done = true;
        clearTimeout(recheck);
        clearTimeout(deadline);
        waits.delete(finish);
        stream.end();
        if (error) reject(error);
        else resolve(job as Job);
      };
      const check = async (): Promise<void> => {
        try {
          const job = await get(id);
          if (!job) finish(new JobgateError(`job ${id} was not found`, 'NOT_FOUND'));
          else if (FINISHED_STATUSES.includes(job.status)) finish(undefined, job);
        } catch (err) {
          finish(err instanceof JobgateError ? err : new JobgateError(String(err), 'INTERNAL'));
        }
      };
      const schedule = (ms: number): void => {
        clearTimeout(recheck);
        recheck = setTimeout(() => {
          void check().then(() => {
            if (!done) schedule(Math.min(ms * 2, RECHECK_MAX_MS));
          });
        }, ms);
      };
      waits.add(finish);
      if (o.timeoutMs != null) {
        deadline = setTimeout(
          () =>
            finish(
              new JobgateError(`job ${id} did not finish within ${o.timeoutMs} ms`, 'TIMEOUT'),
            ),
          o.timeoutMs,
        );
      }
      void (async () => {
        try {
          for await (const _event of stream) {
            await check();
            if (!done) schedule(AFTER_EVENT_MS);
          }
        } catch (err) {
          finish(err as JobgateError);
        }
      })();
      void check();
      schedule(RECHECK_FIRST_MS);
    });

  return {
    submit: (defOrName: string | Named, input: unknown, o?: SubmitOptions) =>
      enqueue(toInput(typeof defOrName === 'string' ? defOrName : defOrName.name, input, o)),
    async submitMany(items: SubmitManyItem[]) {
      const settled = await Promise.allSettled(
        items.map(({ type, input, ...o }) =>
          enqueue(toInput(typeof type === 'string' ? type : type.name, input, o)),
        ),
      );
      const index = settled.findIndex((s) => s.status === 'rejected');
      if (index >= 0) {
        const { reason } = settled[index] as PromiseRejectedResult;
        if (!(reason instanceof JobgateError) || !reason.field?.startsWith('input')) throw reason;
        const own = (text: string): string => text.replace(/\binput\b/, `inputs[${index}]`);
        throw new JobgateError(own(reason.message), reason.code, own(reason.field), reason.status);
      }
      return settled.map((s) => (s as PromiseFulfilledResult<Job>).value);
    },
    get,
    wait,
    events: (o: EventsOptions = {}) => {
      if (closed) throw closedError();
      return openStream(o);
    },
    cancel: async (id, reason) =>
      (await transport.request<{ cancelJob: Job }>(CANCEL_JOB, { id, reason }, 'refusedOnly'))
        .cancelJob,
    retry: async (id) =>
      (await transport.request<{ retryJob: Job }>(RETRY_JOB, { id }, 'refusedOnly')).retryJob,
    signal: async (id, name, payload) =>
      (
        await transport.request<{ signalJob: Job }>(
          SIGNAL_JOB,
          { id, signal: name, payload },
          'refusedOnly',
        )
      ).signalJob,
    async close() {
      if (closed) return;
      closed = true;
      for (const finish of [...waits]) finish(closedError());
      for (const stream of [...streams]) stream.end();
      await batcher.drain();
      transport.close();
      await socket?.dispose();
    },
  } as JobgateClient;
}

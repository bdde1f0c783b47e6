/**
 * `jobgate/client`: what a producer imports to submit jobs and follow them. `createClient`
 * gives typed submissions (from `defineJob` definitions) that are batched, retried and never
 * submitted twice, plus reads, waits, event streams and job control.
 */
export { createClient } from './create-client';
export { JobgateError } from './jobgate-error';
export type { GraphqlErrorEntry, JobgateErrorDetails, TransportErrorCode } from './jobgate-error';
export type { ClientOptions } from './client-options';
export type { InputOf, JobgateClient, Named, OutputOf, WaitOptions } from './jobgate-client';
export type { Backend, BackendChoice, Job, JobStatus, Priority } from './job';
export type { EventsOptions, JobEvent, JobEventType } from './job-event';
export type { SubmitManyItem, SubmitOptions } from './submit-options';

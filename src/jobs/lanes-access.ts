import type { DurableLane } from '../lanes/temporal/durable-lane';
import type { Lane } from '../lanes/lane';
import { unavailable } from '../model/app-error';
import type { AppError } from '../model/app-error';
import { Backend } from '../model/enums';

export const temporalMissing = (): AppError =>
  unavailable(
    'the TEMPORAL backend is not configured on this gateway; submit with backend BULLMQ or start jobgate with Temporal',
  );

/** The lanes of this process: every backend's lane, or an error saying it is not configured. */
export class LaneSet {
  constructor(
    readonly bullmq: Lane,
    readonly temporal: DurableLane | null,
  ) {}

  /** The lane of `backend`, or null when this gateway has none. */
  find(backend: Backend): Lane | null {
    const lanes: Record<Backend, Lane | null> = {
      [Backend.BULLMQ]: this.bullmq,
      [Backend.TEMPORAL]: this.temporal,
    };
    return lanes[backend];
  }

  /** The lane of `backend`; BACKEND_UNAVAILABLE when this gateway has none. */
  of(backend: Backend): Lane {
    const lane = this.find(backend);
    if (!lane) throw temporalMissing();
    return lane;
  }

  /** Every configured lane. */
  all(): Lane[] {
    return this.temporal ? [this.bullmq, this.temporal] : [this.bullmq];
  }
}

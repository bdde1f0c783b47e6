import type { Lane } from '../lanes/lane';
import { unavailable } from '../model/app-error';
import type { AppError } from '../model/app-error';
import { Backend } from '../model/enums';

export const temporalMissing = (): AppError =>
  unavailable(
    'the TEMPORAL backend is not configured on this gateway; submit with backend BULLMQ or start jobgate with Temporal',
  );

/** The lanes of this process by backend; null where it has none configured. */
export type Lanes = Readonly<Record<Backend, Lane | null>>;

/** The lane of `backend`; BACKEND_UNAVAILABLE when this process has none. */
export function laneOf(lanes: Lanes, backend: Backend): Lane {
  const lane = lanes[backend];
  if (lane) return lane;
  throw backend === Backend.TEMPORAL
    ? temporalMissing()
    : unavailable(`the ${backend} backend is not configured on this gateway`);
}

/** Every configured lane, in the order of the Backend enum. */
export function configuredLanes(lanes: Lanes): Lane[] {
  return Object.values(Backend).flatMap((b) => lanes[b] ?? []);
}

import { Context } from '@temporalio/activity';

/**
 * The Temporal context of the activity running now (its info, cancellation signal and a
 * cancellation-aware `sleep`). Throws outside an activity.
 */
export const activityContext = (): Context => Context.current();

/**
 * Tells Temporal the running activity is alive. Activities heartbeat at least every few
 * seconds while they work, so a dead worker is noticed and cancellation reaches them.
 */
export const heartbeat = (details?: unknown): void => Context.current().heartbeat(details);

import { GraphQLError } from 'graphql';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal';
import { bearerToken } from '../auth/key-store';
import type { KeyStore } from '../auth/key-store';
import { ErrorCode } from '../model/error-code';

const unauthenticated = (why: string): GraphQLError =>
  new GraphQLError(`${why}: send 'Authorization: Bearer <api key>'`, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });

const rateLimited = (retryAfterSeconds: number): GraphQLError =>
  new GraphQLError(
    `too many failed authentications from this address; retry after ${retryAfterSeconds} s with a valid API key`,
    {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        retryAfterSeconds,
        http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );

/**
 * Authentication in front of the key store, per client address. A key the store already
 * holds as valid passes at once. Any other request (a key to look up, or none) counts as a
 * failure of its address once it fails; after `failuresPerMinute` failures the address's
 * unknown keys are answered RATE_LIMITED until the minute is over, without a look-up.
 * Look-ups still in flight count against the budget too, so requests in parallel cannot
 * overrun it: one beyond the budget waits for those in flight to settle, then checks again.
 * Made-up keys thus cost at most that many Postgres look-ups per address and minute, while
 * a burst of valid keys not yet cached (many clients connecting at once behind one address)
 * is only paced, never refused. Counted per gateway, in memory.
 */
export class PreAuth {
  private readonly failures: RateLimiterMemory | null;
  /** Look-ups in flight per address. */
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();

  constructor(
    private readonly keys: Pick<KeyStore, 'authenticate' | 'knows'>,
    /** 0 turns the limit off. */
    private readonly failuresPerMinute: number,
  ) {
    this.failures =
      failuresPerMinute > 0
        ? new RateLimiterMemory({ points: failuresPerMinute, duration: 60 })
        : null;
  }

  /** The principal of an `Authorization` value; UNAUTHENTICATED, or RATE_LIMITED past the failures. */
  async principalOf(header: unknown, address: string | undefined): Promise<Principal> {
    const token = bearerToken(header);
    if (token && this.keys.knows(token)) {
      const p = await this.keys.authenticate(token);
      if (p) return p;
    }
    const where = address ?? 'unknown';
    if (!this.failures) return this.lookUp(token);
    const running = this.running(where);
    let lookup: Promise<Principal> | undefined;
    try {
      lookup = (await this.admit(where, running, () => this.lookUp(token))).done;
      return await lookup;
    } catch (err) {
      // Only a refused key is a failure; Postgres being away is not the client's doing.
      if (lookup && (err as GraphQLError).extensions?.code === ErrorCode.UNAUTHENTICATED)
        await this.failures.penalty(where, 1);
      throw err;
    } finally {
      if (lookup) running.delete(lookup);
      if (running.size === 0 && this.inFlight.get(where) === running) this.inFlight.delete(where);
    }
  }

  private async lookUp(token: string | null): Promise<Principal> {
    if (!token) throw unauthenticated('missing API key');
    const p = await this.keys.authenticate(token);
    if (!p) throw unauthenticated('unknown or revoked API key');
    return p;
  }

  private running(address: string): Set<Promise<unknown>> {
    let set = this.inFlight.get(address);
    if (!set) this.inFlight.set(address, (set = new Set()));
    return set;
  }

  /**
   * Starts `lookUp` once it fits in the address's budget and returns it, counted in `running`
   * (a wrapper, so a promise is never unwrapped here); RATE_LIMITED when the budget is spent.
   */
  private async admit(
    address: string,
    running: Set<Promise<unknown>>,
    lookUp: () => Promise<Principal>,
  ): Promise<{ done: Promise<Principal> }> {
    const failures = this.failures as RateLimiterMemory;
    for (;;) {
      const res: RateLimiterRes | null = await failures.get(address);
      const failed = res?.consumedPoints ?? 0;
      if (failed >= this.failuresPerMinute)
        throw rateLimited(Math.max(1, Math.ceil((res as RateLimiterRes).msBeforeNext / 1000)));
      if (failed + running.size < this.failuresPerMinute) {
        // No await between the check and taking the place.
        const done = lookUp();
        running.add(done);
        return { done };
      }
      // Wait for one in flight to settle (it may free its place or spend a point).
      await Promise.race([...running].map((p) => p.then(noop, noop)));
    }
  }
}

const noop = (): void => undefined;

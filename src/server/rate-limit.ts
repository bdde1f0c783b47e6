import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../model/error-code';

/** Per-tenant request budget in Redis, so every gateway instance counts against the same one. */
export class TenantRateLimiter {
  private readonly limiter: RateLimiterRedis | null;

  constructor(redis: Redis, prefix: string, perSecond: number) {
    this.limiter =
      perSecond > 0
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:ratelimit`,
            points: perSecond,
            duration: 1,
          })
        : null;
  }

  /** Spends one point of `tenant`'s budget; RATE_LIMITED (HTTP 429, Retry-After) when it is spent. */
  async consume(tenant: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(tenant, 1);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new GraphQLError(
        `rate limit of tenant '${tenant}' reached; retry after ${retryAfterSeconds} s`,
        {
          extensions: {
            code: ErrorCode.RATE_LIMITED,
            retryAfterSeconds,
            http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
          },
        },
      );
    }
  }
}

import { subscribe } from 'graphql';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { AsyncQueue } from '../bus/async-queue';

interface Group {
  members: Set<AsyncQueue<ExecutionResult>>;
  source: AsyncGenerator<ExecutionResult> | AsyncIterable<ExecutionResult>;
}

type Subscribed = AsyncIterable<ExecutionResult> | ExecutionResult;

const isIterable = (r: unknown): r is AsyncIterable<ExecutionResult> =>
  !!r && typeof (r as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/**
 * Identical live subscriptions (same text, variables, tenant scope and role)
 * share one execution: each event is resolved once per group and the same
 * result goes to every member, instead of once per subscriber.
 */
export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();

  constructor(
    /** Most results a member may fall behind before it is closed. @defaultValue 10000 */
    private readonly bufferLimit = 10_000,
  ) {}

  /** Executions in progress (one per group). */
  get size(): number {
    return this.groups.size;
  }

  /** Subscribes `args`; with a `key`, joins (or starts) the group of that key. */
  async subscribe(args: ExecutionArgs, key: string | null): Promise<Subscribed> {
    if (!key) return subscribe(args);
    const existing = this.groups.get(key);
    if (existing) return this.join(key, existing);
    const source = await subscribe(args);
    if (!isIterable(source)) return source;
    // Another member may have started the same group while this one awaited.
    const raced = this.groups.get(key);
    if (raced) {
      await (source as AsyncGenerator<ExecutionResult>).return?.(undefined);
      return this.join(key, raced);
    }
    const group: Group = { members: new Set(), source };
    this.groups.set(key, group);
    const member = this.join(key, group);
    void this.pump(key, group);
    return member;
  }

  private join(key: string, group: Group): AsyncQueue<ExecutionResult> {
    const member: AsyncQueue<ExecutionResult> = new AsyncQueue<ExecutionResult>(
      this.bufferLimit,
      () => {
        group.members.delete(member);
        if (group.members.size === 0 && this.groups.get(key) === group) {
          this.groups.delete(key);
          void (group.source as AsyncGenerator<ExecutionResult>).return?.(undefined);
        }
      },
    );
    group.members.add(member);
    return member;
  }

  private async pump(key: string, group: Group): Promise<void> {
    try {
      for await (const result of group.source) {
        for (const m of group.members) m.push(result);
        if (group.members.size === 0) break;
      }
      for (const m of [...group.members]) void m.return();
    } catch (err) {
      for (const m of [...group.members]) m.fail(err as Error);
    } finally {
      if (this.groups.get(key) === group) this.groups.delete(key);
    }
  }
}

/** The group of a live subscription, or null when it cannot be shared (a replay with `after`). */
export function groupKey(
  query: string,
  variables: unknown,
  scope: string,
  role: string,
): string | null {
  if (/\bafter\b/.test(query) || /\bjobUpdated\b/.test(query)) return null;
  return JSON.stringify([query, variables ?? null, scope, role]);
}

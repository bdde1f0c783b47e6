import { subscribe } from 'graphql';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { AsyncQueue } from '../bus/async-queue';

/** Where a member's results can be written directly: its WebSocket and its graphql-ws operation id. */
export interface PushTarget {
  socket: {
    readonly readyState: number;
    readonly bufferedAmount: number;
    send(data: string): void;
  };
  id: string;
}

interface Member {
  queue: AsyncQueue<ExecutionResult>;
  /** The socket, and the operation id as a JSON string ready to be spliced into a `next` message. */
  target?: { socket: PushTarget['socket']; id: string };
}

interface Group {
  members: Set<Member>;
  source: AsyncGenerator<ExecutionResult> | AsyncIterable<ExecutionResult>;
}

type Subscribed = AsyncIterable<ExecutionResult> | ExecutionResult;

export interface SubscriptionGroupOptions {
  /** Most results a queued member may fall behind before it is closed. @defaultValue 10000 */
  bufferLimit?: number;
  /** Most unsent bytes a pushed member's socket may hold before it is closed. @defaultValue 8 MiB */
  socketLimit?: number;
  /** Turns a result into what the client receives (errors masked and coded). */
  format?: (result: ExecutionResult) => unknown;
}

const OPEN = 1;

const isIterable = (r: unknown): r is AsyncIterable<ExecutionResult> =>
  !!r && typeof (r as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/**
 * Identical live subscriptions (same text, variables, tenant scope and role)
 * share one execution: each event is resolved once per group. Members with a
 * push target get the result serialized once and the same bytes written to
 * each socket (a graphql-ws `next` message); graphql-ws still owns the
 * protocol, completion and errors through the member's (otherwise idle) queue.
 */
export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly bufferLimit: number;
  private readonly socketLimit: number;
  private readonly format: (result: ExecutionResult) => unknown;

  constructor(o: SubscriptionGroupOptions = {}) {
    this.bufferLimit = o.bufferLimit ?? 10_000;
    this.socketLimit = o.socketLimit ?? 8 * 1024 * 1024;
    this.format = o.format ?? ((r) => r);
  }

  /** Executions in progress (one per group). */
  get size(): number {
    return this.groups.size;
  }

  /** Subscribes `args`; with a `key`, joins (or starts) the group of that key. */
  async subscribe(
    args: ExecutionArgs,
    key: string | null,
    target?: PushTarget,
  ): Promise<Subscribed> {
    if (!key) return subscribe(args);
    const existing = this.groups.get(key);
    if (existing) return this.join(key, existing, target);
    const source = await subscribe(args);
    if (!isIterable(source)) return source;
    // Another member may have started the same group while this one awaited.
    const raced = this.groups.get(key);
    if (raced) {
      await (source as AsyncGenerator<ExecutionResult>).return?.(undefined);
      return this.join(key, raced, target);
    }
    const group: Group = { members: new Set(), source };
    this.groups.set(key, group);
    const member = this.join(key, group, target);
    void this.pump(key, group);
    return member;
  }

  private join(key: string, group: Group, target?: PushTarget): AsyncQueue<ExecutionResult> {
    const member: Member = {
      queue: new AsyncQueue<ExecutionResult>(this.bufferLimit, () => {
        group.members.delete(member);
        if (group.members.size === 0 && this.groups.get(key) === group) {
          this.groups.delete(key);
          void (group.source as AsyncGenerator<ExecutionResult>).return?.(undefined);
        }
      }),
      target: target && { socket: target.socket, id: JSON.stringify(target.id) },
    };
    group.members.add(member);
    return member.queue;
  }

  private async pump(key: string, group: Group): Promise<void> {
    try {
      for await (const result of group.source) {
        let payload: string | undefined;
        for (const m of group.members) {
          if (!m.target) {
            m.queue.push(result);
            continue;
          }
          const { socket, id } = m.target;
          if (socket.readyState !== OPEN) continue;
          if (socket.bufferedAmount > this.socketLimit) {
            m.queue.fail(
              new Error(
                'subscriber fell too far behind (its socket holds over the limit of unsent bytes); resume with after: <last id>',
              ),
            );
            continue;
          }
          payload ??= JSON.stringify(this.format(result));
          socket.send('{"id":' + id + ',"type":"next","payload":' + payload + '}');
        }
        if (group.members.size === 0) break;
      }
      for (const m of [...group.members]) void m.queue.return();
    } catch (err) {
      for (const m of [...group.members]) m.queue.fail(err as Error);
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

import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';

export interface GqlState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  /** Runs the query again (after a mutation, or when an event says the data moved). */
  refetch(): void;
}

/** A query run whenever its variables change, straight from the network (no stale cache). */
export function useGql<T>(query: string, variables: Record<string, unknown> = {}): GqlState<T> {
  const client = useClient();
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  const latest = useRef(0);
  useEffect(() => {
    const n = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    void client
      .query<T>(query, JSON.parse(key) as Record<string, unknown>, {
        requestPolicy: 'network-only',
      })
      .toPromise()
      .then((r) => {
        if (n !== latest.current) return;
        setState({
          data: r.data ?? null,
          error: r.error ? errorText(r.error) : null,
          loading: false,
        });
      });
  }, [client, query, key, tick]);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refetch };
}

/** A person-readable message of a urql error (the gateway's message, without urql's prefix). */
export function errorText(e: { graphQLErrors?: { message: string }[]; message: string }): string {
  return e.graphQLErrors?.length ? e.graphQLErrors.map((g) => g.message).join('; ') : e.message;
}

/** Runs a mutation; resolves to its data or throws with the gateway's message. */
export function useMutate(): <T>(query: string, variables: Record<string, unknown>) => Promise<T> {
  const client = useClient();
  return useCallback(
    async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
      const r = await client.mutation<T>(query, variables).toPromise();
      if (r.error) throw new Error(errorText(r.error));
      return r.data as T;
    },
    [client],
  );
}

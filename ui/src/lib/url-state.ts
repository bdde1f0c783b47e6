import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';

/** Filters that live in the URL's query string, so a view can be bookmarked and shared. */
export function useUrlState(): [URLSearchParams, (patch: Record<string, string | null>) => void] {
  const search = useSearch();
  const [loc, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const set = useCallback(
    (patch: Record<string, string | null>) => {
      const next = new URLSearchParams(search);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === '') next.delete(k);
        else next.set(k, v);
      }
      const q = next.toString();
      navigate(q ? `${loc}?${q}` : loc);
    },
    [search, loc, navigate],
  );
  return [params, set];
}

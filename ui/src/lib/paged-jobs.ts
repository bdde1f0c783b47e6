import type { Client } from 'urql';
import { errorText } from './use-gql';

/** The largest page `jobs` serves. */
export const JOBS_PAGE = 500;

/**
 * Jobs matching `filter`, following the keyset cursor for up to `maxPages` pages. Returns the
 * nodes and whether more were left.
 */
export async function pagedJobs<T>(
  client: Client,
  fields: string,
  filter: Record<string, unknown>,
  maxPages = 4,
): Promise<{ nodes: T[]; more: boolean }> {
  const query = `query Paged($filter: JobFilter, $after: String) {
    jobs(filter: $filter, first: ${JOBS_PAGE}, after: $after) {
      edges { node { ${fields} } } pageInfo { endCursor hasNextPage }
    }
  }`;
  const nodes: T[] = [];
  let after: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const r = await client
      .query(query, { filter, after }, { requestPolicy: 'network-only' })
      .toPromise();
    if (r.error) throw new Error(errorText(r.error));
    const conn = r.data.jobs as {
      edges: { node: T }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
    nodes.push(...conn.edges.map((e) => e.node));
    if (!conn.pageInfo.hasNextPage) return { nodes, more: false };
    after = conn.pageInfo.endCursor;
  }
  return { nodes, more: true };
}

import { useMemo } from 'react';
import { RetryMatching } from '../components/retry-matching';
import { Filters } from '../components/run-filters';
import { RunsTable } from '../components/runs-table';
import { useAuth } from '../lib/auth-context';
import { filterOf } from '../lib/run-filter';
import { canOperate } from '../lib/session';
import { useLiveRuns } from '../lib/use-live-runs';
import { useUrlState } from '../lib/url-state';

/** Every run the URL's filter matches, a page at a time, following live events. */
export function Runs() {
  const { principal } = useAuth();
  const [params, set] = useUrlState();
  const filter = useMemo(() => filterOf(params), [params]);
  const after = params.get('after');
  const { rows, page, error, live } = useLiveRuns(filter, after);

  return (
    <section>
      <header className="page-head">
        <h1>Runs</h1>
        <span className={`live ${live ? 'on' : ''}`} title="Rows follow the jobEvents subscription">
          {live ? '● live' : '○ connecting'}
        </span>
        {canOperate(principal) && params.get('status') === 'FAILED' && (
          <RetryMatching filter={filter} />
        )}
      </header>
      <Filters />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <RunsTable rows={rows} />
      <div className="pager">
        {after && (
          <button type="button" onClick={() => set({ after: null })}>
            First page
          </button>
        )}
        {page.hasNextPage && (
          <button type="button" onClick={() => set({ after: page.endCursor })}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

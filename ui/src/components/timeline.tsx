import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { JobEvent } from '../../../src/client/documents';

const MARK: Record<string, string> = {
  COMPENSATING: 'compensation',
  SIGNALED: 'signal',
  RETRYING: 'retry',
  FAILED: 'failure',
  ACTIVITY_FAILED: 'failure',
};

/**
 * Every event of a run, oldest first. Only the rows in view are in the DOM, so a run with
 * thousands of events scrolls without freezing the tab.
 */
export function Timeline({ events }: { events: JobEvent[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: events.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 28,
    overscan: 20,
  });
  return (
    <div className="timeline" ref={scroller} data-testid="timeline" data-count={events.length}>
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const e = events[item.index];
          const mark = MARK[e.type];
          return (
            <div
              key={e.id}
              className={`tl-row ${mark ? `mark-${mark}` : ''}`}
              data-event-type={e.type}
              style={{ position: 'absolute', top: 0, transform: `translateY(${item.start}px)` }}
            >
              <span className="tl-time">{new Date(e.timestamp).toLocaleTimeString()}</span>
              <span className="tl-type">{e.type}</span>
              {mark && <span className={`tag tag-${mark}`}>{mark}</span>}
              {e.attempt != null && <span className="muted">attempt {e.attempt}</span>}
              {e.activityId && <span className="muted">activity {e.activityId}</span>}
              {e.progress != null && <span>{Math.round(e.progress)}%</span>}
              {e.message && <span className="tl-msg">{e.message}</span>}
            </div>
          );
        })}
      </div>
    </div>
  );
}

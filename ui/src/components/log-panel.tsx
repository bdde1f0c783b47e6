import { useEffect, useRef } from 'react';
import type { RefObject } from 'react';
import type { LogLine } from '../../../src/client/documents';

/** Keeps the log box scrolled to the newest line (tail -f): returns the ref for that box. */
export function useLogTail(logs: LogLine[]): RefObject<HTMLDivElement | null> {
  const logBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (logBox.current) logBox.current.scrollTop = logBox.current.scrollHeight;
  }, [logs]);
  return logBox;
}

/** The run's log lines, oldest first, in the box `useLogTail` keeps at the newest line. */
export function LogPanel({
  logs,
  box,
}: {
  logs: LogLine[];
  box: RefObject<HTMLDivElement | null>;
}) {
  return (
    <div>
      <h2>Logs ({logs.length})</h2>
      <div className="logs" ref={box} data-testid="logs">
        {logs.length === 0 && <p className="muted">No line yet.</p>}
        {logs.map((l) => (
          <div key={l.id} className="log-line">
            <span className="muted">{new Date(l.at).toLocaleTimeString()}</span> {l.line}
          </div>
        ))}
      </div>
    </div>
  );
}

import { lazy, Suspense, useMemo } from 'react';
import type { JobEvent } from '../../../src/client/documents';
import type { GraphEdge, GraphNode } from './graph';

const Graph = lazy(() => import('./graph').then((m) => ({ default: m.Graph })));

const MAX_STEPS = 200;

/**
 * A workflow's steps as its events tell them, in order: each activity (by activity id, named by
 * its step or type), each signal, each wait and each compensation.
 */
export function stepsOf(events: JobEvent[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [];
  const byKey = new Map<string, GraphNode>();
  const put = (key: string, label: string, state: string, row: number) => {
    const known = byKey.get(key);
    if (known) {
      known.state = state;
      return;
    }
    if (nodes.length >= MAX_STEPS) return;
    const n: GraphNode = { id: key, label, state, x: nodes.length * 190, y: row * 90 };
    byKey.set(key, n);
    nodes.push(n);
  };
  // After the first COMPENSATING event, an activity of a step being undone is that undo.
  const undoing = new Set<string>();
  for (const e of events) {
    const meta = (e.meta ?? {}) as Record<string, unknown>;
    const name = String(meta.step ?? meta.activityType ?? e.activityId ?? 'step');
    const undo = typeof meta.step === 'string' && undoing.has(meta.step);
    const key = undo ? `c:${String(meta.step)}` : `a:${e.activityId}`;
    const row = undo ? 1 : 0;
    const label = undo ? `undo ${name}` : name;
    switch (e.type) {
      case 'ACTIVITY_STARTED':
        put(key, label, undo ? 'COMPENSATION' : 'RUNNING', row);
        break;
      case 'ACTIVITY_COMPLETED':
        put(key, label, undo ? 'COMPENSATION' : 'SUCCEEDED', row);
        break;
      case 'ACTIVITY_FAILED':
        put(key, label, meta.willRetry ? 'DELAYED' : 'FAILED', row);
        break;
      case 'SIGNALED':
        put(`s:${e.id}`, `signal ${String(meta.signal ?? '')}`.trim(), 'SIGNAL', 0);
        break;
      case 'WAITING':
        put(`w:${e.id}`, 'waiting', 'WAITING', 0);
        break;
      case 'COMPENSATING':
        if (typeof meta.step === 'string') undoing.add(meta.step);
        put(
          `c:${String(meta.step ?? e.id)}`,
          `undo ${String(meta.step ?? '')}`.trim(),
          'COMPENSATION',
          1,
        );
        break;
      default:
        break;
    }
  }
  const edges: GraphEdge[] = nodes.slice(1).map((n, i) => ({
    from: nodes[i].id,
    to: n.id,
    dashed: n.id.startsWith('c:'),
  }));
  return { nodes, edges };
}

export function WorkflowSteps({ events }: { events: JobEvent[] }) {
  const { nodes, edges } = useMemo(() => stepsOf(events), [events]);
  if (nodes.length === 0) return null;
  return (
    <div className="card">
      <h3>Steps</h3>
      <Suspense fallback={<p className="muted">Loading the graph…</p>}>
        <Graph nodes={nodes} edges={edges} testId="workflow-steps" direction="horizontal" />
      </Suspense>
    </div>
  );
}

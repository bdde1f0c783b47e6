import { lazy, Suspense, useMemo } from 'react';
import { useLocation } from 'wouter';
import { useGql } from '../lib/use-gql';
import type { GraphEdge, GraphNode } from './graph';

const Graph = lazy(() => import('./graph').then((m) => ({ default: m.Graph })));

interface FlowJob {
  id: string;
  type: string;
  status: string;
  parent?: FlowJob | null;
  children?: FlowJob[];
}

const NODE = 'id type status';
export const FLOW = `query Flow($id: ID!) {
  job(id: $id) {
    ${NODE}
    parent { ${NODE} parent { ${NODE} } children { ${NODE} } }
    children { ${NODE} children { ${NODE} children { ${NODE} } } }
  }
}`;

const COL = 200;
const ROW = 110;

/**
 * The job's flow around it: up to two ancestors, its siblings, and up to three levels of
 * descendants, laid out by level.
 */
export function flowOf(job: FlowJob): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const levels = new Map<number, FlowJob[]>();
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (j: FlowJob, level: number) => {
    if (seen.has(j.id)) return;
    seen.add(j.id);
    levels.set(level, [...(levels.get(level) ?? []), j]);
  };
  const grand = job.parent?.parent ?? null;
  if (grand) add(grand, -2);
  if (job.parent) {
    add(job.parent, -1);
    if (grand) edges.push({ from: grand.id, to: job.parent.id });
    for (const s of job.parent.children ?? []) {
      add(s, 0);
      edges.push({ from: job.parent.id, to: s.id });
    }
  }
  add(job, 0);
  const down = (j: FlowJob, level: number) => {
    for (const c of j.children ?? []) {
      add(c, level + 1);
      edges.push({ from: j.id, to: c.id });
      down(c, level + 1);
    }
  };
  down(job, 0);
  const nodes: GraphNode[] = [];
  for (const [level, jobs] of levels) {
    jobs.forEach((j, i) =>
      nodes.push({
        id: j.id,
        label: `${j.type} · ${j.status}`,
        state: j.status,
        x: (i - (jobs.length - 1) / 2) * COL,
        y: level * ROW,
        current: j.id === job.id,
      }),
    );
  }
  return { nodes, edges };
}

/** Parent, children and siblings of a job in a flow; a click opens that job. */
export function FlowGraph({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const q = useGql<{ job: FlowJob | null }>(FLOW, { id });
  const graph = useMemo(() => (q.data?.job ? flowOf(q.data.job) : null), [q.data]);
  if (!graph || graph.nodes.length < 2) return null;
  return (
    <div className="card">
      <h3>Flow</h3>
      <Suspense fallback={<p className="muted">Loading the graph…</p>}>
        <Graph
          nodes={graph.nodes}
          edges={graph.edges}
          testId="flow-graph"
          onOpen={(jobId) => jobId !== id && navigate(`/runs/${encodeURIComponent(jobId)}`)}
        />
      </Suspense>
    </div>
  );
}

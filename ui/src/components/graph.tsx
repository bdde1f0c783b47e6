import { Background, Controls, Position, ReactFlow } from '@xyflow/react';
import type { Edge, Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';

export interface GraphNode {
  id: string;
  label: string;
  /** A status or step state; colours the node. */
  state: string;
  x: number;
  y: number;
  /** The node stands for the page's own job. */
  current?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}

/**
 * A small read-only graph (React Flow); a click on a node calls `onOpen` with its id. Each node
 * is a `.react-flow__node` with `data-id` = its id.
 */
export function Graph({
  nodes,
  edges,
  onOpen,
  testId,
  direction = 'vertical',
}: {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Where edges leave a node: down (a tree) or to the right (a sequence). */
  direction?: 'vertical' | 'horizontal';
  onOpen?: (id: string) => void;
  testId: string;
}) {
  const rfNodes: Node[] = nodes.map((n) => ({
    id: n.id,
    position: { x: n.x, y: n.y },
    data: { label: n.label },
    className: `gnode g-${n.state.toLowerCase()}${n.current ? ' g-current' : ''}`,
    draggable: false,
    connectable: false,
    ...(direction === 'horizontal'
      ? { sourcePosition: Position.Right, targetPosition: Position.Left }
      : {}),
  }));
  const rfEdges: Edge[] = edges.map((e) => ({
    id: `${e.from}->${e.to}`,
    source: e.from,
    target: e.to,
    label: e.label,
    animated: false,
    style: e.dashed ? { strokeDasharray: '4 3' } : undefined,
  }));
  return (
    <div className="flow" data-testid={testId}>
      <ReactFlow
        nodes={rfNodes}
        edges={rfEdges}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_, node) => onOpen?.(node.id)}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

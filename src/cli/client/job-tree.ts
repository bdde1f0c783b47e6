import type { Command } from 'commander';
import type { JobStatus } from '../../model/enums';
import type { GatewayClient } from './gateway-client';
import { requireJob } from './jobs';
import { run, withClientOptions } from './options';
import type { Invocation } from './options';
import { colorOn, paintStatus, printJson, printLine } from './output';

interface TreeNode {
  id: string;
  type: string;
  status: JobStatus;
  backend: string;
  error: string | null;
  children: TreeNode[];
}

const FIELDS = 'id type status backend error';
/** Parents asked for per request, within the operation cost limit. @defaultValue 100 */
const PAGE = 100;

/** Fills in the tree level by level: one request per level (and per 100 parents). */
async function loadTree(gw: GatewayClient, id: string): Promise<TreeNode> {
  const root = { ...(await requireJob<Omit<TreeNode, 'children'>>(gw, id, FIELDS)), children: [] };
  let frontier: TreeNode[] = [root];
  while (frontier.length) {
    const next: TreeNode[] = [];
    for (let i = 0; i < frontier.length; i += PAGE) {
      const slice = frontier.slice(i, i + PAGE);
      const { jobs } = await gw.request<{
        jobs: { edges: { node: { id: string; children: Omit<TreeNode, 'children'>[] } }[] };
      }>(
        `query($ids: [ID!]) { jobs(filter: { ids: $ids }, first: ${PAGE}) { edges { node { id children { ${FIELDS} } } } } }`,
        { ids: slice.map((n) => n.id) },
      );
      const byId = new Map(jobs.edges.map((e) => [e.node.id, e.node.children]));
      for (const n of slice) {
        n.children = (byId.get(n.id) ?? []).map((c) => ({ ...c, children: [] }));
        next.push(...n.children);
      }
    }
    frontier = next;
  }
  return root;
}

/** The tree as lines: `<id>  <type>  <STATUS>`, children indented under their parent. */
export function treeLines(root: TreeNode, paint: (s: JobStatus) => string): string[] {
  const lines: string[] = [];
  const label = (n: TreeNode): string =>
    `${n.id}  ${n.type}  ${paint(n.status)}${n.error ? `  ${n.error}` : ''}`;
  const walk = (n: TreeNode, prefix: string): void => {
    n.children.forEach((c, i) => {
      const last = i === n.children.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(c)}`);
      walk(c, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  lines.push(label(root));
  walk(root, '');
  return lines;
}

async function tree(inv: Invocation): Promise<void> {
  const [id] = inv.args as [string];
  const root = await loadTree(inv.gateway(), id);
  if (inv.json) return printJson(root);
  const on = colorOn(process.stdout);
  for (const l of treeLines(root, (s) => paintStatus(s, on))) printLine(l);
}

/** `jobgate jobs tree <id>`: a flow's jobs with their statuses, as a tree. */
export function registerJobTreeCommand(jobs: Command): void {
  withClientOptions(jobs.command('tree <id>'))
    .description('print a job and its children (a flow), each with its status')
    .action(run(tree));
}

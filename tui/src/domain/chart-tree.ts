/** The chart's active configuration as a tree of state ids. */

export interface ConfigNode {
  readonly id: string;
  /** The last segment of the id (the state's key). */
  readonly label: string;
  readonly depth: number;
  /** Whether this is the last child of its parent (for drawing the tree). */
  readonly last: boolean;
  /** For each ancestor level above this node: whether that ancestor was a last child. */
  readonly ancestorsLast: readonly boolean[];
  readonly children: readonly ConfigNode[];
}

/**
 * Active state ids ("machine", "machine.review", "machine.review.critique", a parallel state's
 * regions side by side) as a tree: a node's parent is the longest other active id that is a
 * prefix of it followed by ".". Ids with no active parent are roots. Order follows `config`.
 */
export const configTree = (config: readonly string[]): ConfigNode[] => {
  const ids = [...new Set(config)];
  const parentOf = new Map<string, string | undefined>();
  for (const id of ids) {
    let parent: string | undefined;
    for (const other of ids) {
      if (other !== id && id.startsWith(`${other}.`) && (parent === undefined || other.length > parent.length)) parent = other;
    }
    parentOf.set(id, parent);
  }
  const build = (parent: string | undefined, depth: number, ancestorsLast: readonly boolean[]): ConfigNode[] => {
    const kids = ids.filter((id) => parentOf.get(id) === parent);
    return kids.map((id, i) => {
      const last = i === kids.length - 1;
      const label = parent === undefined ? id : id.slice(parent.length + 1);
      return { id, label, depth, last, ancestorsLast, children: build(id, depth + 1, [...ancestorsLast, last]) };
    });
  };
  return build(undefined, 0, []);
};

/** The tree in display order, depth first. */
export const flattenTree = (nodes: readonly ConfigNode[]): ConfigNode[] => nodes.flatMap((node) => [node, ...flattenTree(node.children)]);

/** "├─ " / "└─ " connectors with "│  " for open ancestors; roots get none. */
export const treePrefix = (node: ConfigNode): string => {
  if (node.depth === 0) return "";
  const lines = node.ancestorsLast
    .slice(1)
    .map((last) => (last ? "   " : "│  "))
    .join("");
  return `${lines}${node.last ? "└─ " : "├─ "}`;
};

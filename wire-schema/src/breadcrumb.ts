/**
 * A breadcrumb from a chart configuration. State ids are dotted paths ("review.draft.edit") with
 * the machine id as the root; the breadcrumb is the deepest active state's path without the root.
 */

const isAncestor = (ancestor: string, id: string): boolean => id.startsWith(`${ancestor}.`);

/** Active states that have no active descendant, in configuration order. */
export const leavesOf = (config: readonly string[]): string[] => config.filter((id) => !config.some((other) => isAncestor(id, other)));

const depth = (id: string): number => id.split(".").length;

/** Path segments of the deepest leaf (first one on ties), root segment dropped when it is active. */
export const breadcrumbOf = (config: readonly string[]): string[] => {
  const leaves = leavesOf(config);
  let deepest: string | undefined;
  for (const leaf of leaves) if (deepest === undefined || depth(leaf) > depth(deepest)) deepest = leaf;
  if (deepest === undefined) return [];
  const segments = deepest.split(".");
  const root = segments[0];
  const rootActive = root !== undefined && segments.length > 1 && config.includes(root);
  return rootActive ? segments.slice(1) : segments;
};

/**
 * A breadcrumb from a chart configuration. State ids are dotted paths from the top of the chart
 * ("work.left.drafting"); a configuration never holds the machine's root (a transcript's `config`
 * is the chart's active states), so the breadcrumb is every segment of the deepest active state's
 * path: ["work", "left", "drafting"].
 */

const isAncestor = (ancestor: string, id: string): boolean => id.startsWith(`${ancestor}.`);

/** Active states that have no active descendant, in configuration order. */
export const leavesOf = (config: readonly string[]): string[] => config.filter((id) => !config.some((other) => isAncestor(id, other)));

const depth = (id: string): number => id.split(".").length;

/** Path segments of the deepest leaf (first one on ties), top-level state first. */
export const breadcrumbOf = (config: readonly string[]): string[] => {
  let deepest: string | undefined;
  for (const leaf of leavesOf(config)) if (deepest === undefined || depth(leaf) > depth(deepest)) deepest = leaf;
  return deepest === undefined ? [] : deepest.split(".");
};

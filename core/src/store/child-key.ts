/**
 * Fleet children in a store without directories. A child is a session of its own, keyed
 * `<parent key>/children/<child id>`: the path the disk store gives its directory under the
 * parent's, so a ref the parent's transcript holds for a child's blob (`children/<id>/io.jsonl#…`,
 * see core/src/fleet/mirror.ts) names the same bytes in every store. A session id never holds a
 * `/`, so a key that does is a child's, and listings leave children out as the disk store does.
 */
const CHILDREN = "/children/";

export const childKey = (parentKey: string, childId: string): string => `${parentKey}${CHILDREN}${childId}`;

export const isChildKey = (key: string): boolean => key.includes(CHILDREN);

/** The names of the parent's direct children among `keys`, sorted. */
export function childNames(parentKey: string, keys: Iterable<string>): string[] {
  const prefix = `${parentKey}${CHILDREN}`;
  const names: string[] = [];
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!name.includes("/")) names.push(name);
  }
  return names.sort();
}

/** A ref or file path of the parent that names one of its children's files: that child's key and the path in it. */
export function inChild(parentKey: string, path: string): { key: string; path: string } | undefined {
  const match = /^children\/([^/]+)\/(.+)$/s.exec(path);
  return match ? { key: childKey(parentKey, match[1]!), path: match[2]! } : undefined;
}

/**
 * The session of a family (a parent and its fleets' children, to any depth) that one of the
 * family's files belongs to, as an export lays them out (`children/<id>/…` under the parent's): its
 * key and the file's path inside it.
 */
export function ownerOf(parentKey: string, path: string): { key: string; path: string } {
  const match = /^((?:children\/[^/]+\/)+)(.+)$/s.exec(path);
  return match ? { key: `${parentKey}/${match[1]!.slice(0, -1)}`, path: match[2]! } : { key: parentKey, path };
}

/** A child's file as its parent's export carries it: `children/<id>/<path>` (for any depth). */
export const pathInFamily = (parentKey: string, key: string, path: string): string => (key === parentKey ? path : `${key.slice(parentKey.length + 1)}/${path}`);

/**
 * A page's CPU profile (Chrome DevTools `Profiler.stop`), summarised: the functions with the most
 * self time, so a missed target names where the main thread went.
 */
export interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

export const hotFunctions = (profile: CpuProfile, top: number): HotFunction[] => {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    const us = deltas[i] ?? 0;
    total += us;
    if (!frame) return;
    const file = frame.url.split("/").pop() ?? "";
    const where = file ? `${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : "";
    const key = `${frame.functionName}@${where}`;
    const entry = self.get(key) ?? { name: frame.functionName || "(anonymous)", where, us: 0 };
    entry.us += us;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((entry) => ({ name: entry.name, where: entry.where, ms: entry.us / 1000, share: total > 0 ? entry.us / total : 0 }));
};

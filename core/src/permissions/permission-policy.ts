import type { PermissionTarget, Verdict } from "./permission-target.js";

/** A compiled permission policy: pure, synchronous, no I/O. */
export interface PermissionPolicy {
  /** Absolute real path of the work root. */
  readonly workRoot: string;
  /** What the rules say about `tool` touching `target` (the most specific rule wins). */
  decide(tool: string, target: PermissionTarget): Verdict;
}

/**
 * What a tool call asks to touch, as the permission policy sees it. Tools name their targets
 * at the moment of use (after resolving symlinks, after DNS), so what is checked is what is touched.
 */
export type PermissionTarget =
  /** The tool itself: a tool that names no target (a chart's own tool, an MCP tool). */
  | { kind: "tool" }
  /** A file or directory, by its absolute real path (symlinks resolved). */
  | { kind: "path"; path: string; access: PathAccess }
  /** A shell command line, as the model wrote it. */
  | { kind: "command"; command: string }
  /**
   * A URL about to be requested. `addresses` are what its host resolved to; the request
   * connects only to these (no second DNS answer can swap them).
   */
  | { kind: "url"; url: string; host: string; addresses: readonly string[] };

export const pathAccesses = ["read", "write"] as const;
export type PathAccess = (typeof pathAccesses)[number];

export const permissionDecisions = ["allow", "ask", "deny"] as const;
export type PermissionDecision = (typeof permissionDecisions)[number];

/** The policy's answer for one target, before a human is asked. */
export interface Verdict {
  decision: PermissionDecision;
  /** The rule that decided, as a user reads it, e.g. `config: permissions.fs_write["src/**"] = allow`. */
  rule: string;
  /** Why, when the default policy decided, e.g. "outside the work root". */
  reason?: string;
}

/** The final answer a tool acts on: ask has been resolved (by a human, or to deny without one). */
export interface Permit {
  allowed: boolean;
  rule: string;
  /** One line for the model when `allowed` is false: what was refused and why. */
  message?: string;
}

/** Decides whether a tool may touch a target; a tool touches nothing it was not permitted. */
export type PermitFn = (target: PermissionTarget) => Promise<Permit>;

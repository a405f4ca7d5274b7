import { isAbsolute, relative, sep } from "node:path";
import { addressRange, isPublicAddress } from "./address-class.js";
import { commandParts } from "./command-parts.js";
import type { PermissionPolicy } from "./permission-policy.js";
import type { PermissionRules } from "./permission-rules.js";
import type { PermissionDecision, PermissionTarget, Verdict } from "./permission-target.js";
import { compilePattern, literalPathPattern, RulePatternError, type RulePattern } from "./rule-pattern.js";
import { serverKeyOf, targetKindOf, type TargetKind } from "./tool-targets.js";

/** Rules from one place, narrowest last: defaults, .escapement.json, run options, a conversation. */
export interface RuleLayer {
  /** Where the rules come from, as labels show it: ".escapement.json", "run options", `conversation "plan"`. */
  source: string;
  rules: PermissionRules;
}

export interface PolicyOptions {
  /** Absolute real path of the work root. */
  workRoot: string;
  /** User rules, widest first: on a tie in specificity the later layer wins. */
  layers?: readonly RuleLayer[];
  /** Absolute paths the fs tools may not touch unless a rule names them (the sessions directory, key files). */
  protectedPaths?: readonly string[];
  /** Absolute paths the reading fs tools may read although they lie outside the work root or in a protected one (the run's downloads). */
  readablePaths?: readonly string[];
  /** Whether shell commands run in a sandbox: the default for `shell_run` is allow if so, ask if not. */
  shellSandboxed?: boolean;
}

/** A rule set that does not compile; `path` names the key, e.g. `permissions.fs_write["src/[a"]`. */
export class PermissionRulesError extends Error {
  override readonly name = "PermissionRulesError";
  readonly path: string;
  /** The problem without its place. */
  readonly detail: string;

  /** `source` names where the rules come from (".escapement.json", "run options"), when known. */
  constructor(path: string, message: string, source?: string) {
    super(`${source === undefined ? "" : `${source}: `}${path}: ${message}`);
    this.path = path;
    this.detail = message;
  }
}

interface Rule {
  key: string;
  pattern: RulePattern;
  /** Whether the pattern was written by a user (default rules are not). */
  user: boolean;
  decision: PermissionDecision;
  /** Rank of the layer: defaults 0, then each user layer in order. */
  layer: number;
  label: string;
  reason?: string;
  /** Extra condition on a path target (default rules: inside or outside the work root). */
  where?: "inside" | "outside";
}

const restrictiveness: Readonly<Record<PermissionDecision, number>> = { allow: 0, ask: 1, deny: 2 };
const keyRank = (rule: Rule, tool: string): number => (rule.key === tool ? 2 : rule.key === "*" ? 0 : 1);

/** True when `a` decides over `b`: more specific, then a narrower layer, then a narrower tool key, then the more restrictive. */
const beats = (a: Rule, b: Rule, tool: string): boolean => {
  if (a.pattern.specificity !== b.pattern.specificity) return a.pattern.specificity > b.pattern.specificity;
  if (a.layer !== b.layer) return a.layer > b.layer;
  if (keyRank(a, tool) !== keyRank(b, tool)) return keyRank(a, tool) > keyRank(b, tool);
  return restrictiveness[a.decision] > restrictiveness[b.decision];
};

const quote = (text: string): string => JSON.stringify(text);

/** Compiles user rules, checking every key and pattern; throws PermissionRulesError naming the key path. */
export const compileRules = (rules: PermissionRules, layer: number, source: string, keyPrefix = "permissions"): Rule[] => {
  const compiled: Rule[] = [];
  for (const [key, value] of Object.entries(rules)) {
    const path = `${keyPrefix}.${key}`;
    const kind = keyKind(key, path, source);
    const entries: [string, PermissionDecision][] = typeof value === "string" ? [["*", value]] : Object.entries(value);
    for (const [pattern, decision] of entries) {
      const at = typeof value === "string" ? path : `${path}[${quote(pattern)}]`;
      let compiledPattern: RulePattern;
      try {
        compiledPattern = compilePattern(pattern, kind);
      } catch (error) {
        if (error instanceof RulePatternError) throw new PermissionRulesError(at, error.message, source);
        throw error;
      }
      compiled.push({ key, pattern: compiledPattern, user: true, decision, layer, label: `${source}: ${at} = ${decision}` });
    }
  }
  return compiled;
};

const toolKey = /^[A-Za-z0-9_-]{1,64}$/;

const keyKind = (key: string, path: string, source: string): TargetKind => {
  if (key === "*") return "tool";
  if (key.endsWith("__*") && toolKey.test(key.slice(0, -3))) return "tool";
  if (!toolKey.test(key)) throw new PermissionRulesError(path, 'a tool name (letters, digits, _ -), "<server>__*" or "*"', source);
  return targetKindOf(key);
};

const defaultRules = (options: PolicyOptions): Rule[] => {
  const bare = compilePattern("*", "tool");
  const rule = (key: string, decision: PermissionDecision, label: string, extra: Partial<Rule> = {}): Rule => ({
    key,
    pattern: bare,
    user: false,
    decision,
    layer: 0,
    label: `default: ${label}`,
    ...extra,
  });
  const rules: Rule[] = [rule("*", "allow", "tools are allowed")];
  for (const key of ["fs_read", "fs_write", "fs_edit", "fs_multi_edit", "fs_glob", "fs_grep"]) {
    rules.push(rule(key, "allow", "inside the work root → allow", { where: "inside" }));
    rules.push(rule(key, "deny", "outside the work root → deny", { where: "outside", reason: `it is outside the work root ${options.workRoot}` }));
    for (const path of options.protectedPaths ?? []) {
      const inside = relativeInside(options.workRoot, path);
      const shown = inside ?? path;
      // As specific as "<path>/**", so a user rule that names the path (or part of it) can open it.
      const pattern = { ...literalPathPattern(shown), specificity: shown.length + 1 };
      rules.push(rule(key, "deny", `${shown} is protected → deny`, { pattern, reason: `${shown} holds the run's session or keys` }));
    }
  }
  for (const key of ["fs_read", "fs_glob", "fs_grep"]) {
    for (const path of options.readablePaths ?? []) {
      // More specific than the protected directory holding it.
      const pattern = { ...literalPathPattern(path), specificity: path.length + 2 };
      rules.push(rule(key, "allow", `the run's downloads (${path}) → allow`, { pattern }));
    }
  }
  rules.push(
    options.shellSandboxed
      ? rule("shell_run", "allow", "shell commands run in the sandbox → allow")
      : rule("shell_run", "ask", "no sandbox → ask", { reason: "shell commands run unconfined (no sandbox here)" }),
  );
  return rules;
};

/** `path` relative to `root` with "/" separators when inside it ("." for the root itself); undefined outside. */
const relativeInside = (root: string, path: string): string | undefined => {
  const rel = relative(root, path);
  if (rel === "") return ".";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return sep === "/" ? rel : rel.split(sep).join("/");
};

/** Builds a policy from its defaults and user layers. Pure: deciding does no I/O. */
export const compilePolicy = (options: PolicyOptions): PermissionPolicy => {
  const byKey = new Map<string, Rule[]>();
  const add = (rule: Rule): void => {
    const list = byKey.get(rule.key);
    if (list) list.push(rule);
    else byKey.set(rule.key, [rule]);
  };
  for (const rule of defaultRules(options)) add(rule);
  (options.layers ?? []).forEach((layer, index) => {
    for (const rule of compileRules(layer.rules, index + 1, layer.source)) add(rule);
  });
  const candidates = (tool: string): Rule[] => {
    const server = serverKeyOf(tool);
    return [...(byKey.get(tool) ?? []), ...(server ? (byKey.get(server) ?? []) : []), ...(byKey.get("*") ?? [])];
  };
  const cache = new Map<string, Rule[]>();
  const rulesFor = (tool: string): Rule[] => {
    let rules = cache.get(tool);
    if (!rules) cache.set(tool, (rules = candidates(tool)));
    return rules;
  };
  const best = (tool: string, matches: (rule: Rule) => boolean): Rule => {
    let winner: Rule | undefined;
    for (const rule of rulesFor(tool)) if (matches(rule) && (!winner || beats(rule, winner, tool))) winner = rule;
    // The "*" default matches everything, so there is always a winner.
    return winner!;
  };
  const verdict = (rule: Rule): Verdict => ({ decision: rule.decision, rule: rule.label, ...(rule.reason ? { reason: rule.reason } : {}) });

  const decide = (tool: string, target: PermissionTarget): Verdict => {
    switch (target.kind) {
      case "tool":
        return verdict(best(tool, (rule) => rule.pattern.specificity === 0 && rule.where === undefined));
      case "path": {
        const inside = relativeInside(options.workRoot, target.path);
        return verdict(best(tool, (rule) => matchesPath(rule, target.path, inside)));
      }
      case "command":
        return decideCommand(tool, target.command);
      case "url":
        return decideUrl(tool, target);
    }
  };

  const decideCommand = (tool: string, command: string): Verdict => {
    const { parts, opaque } = commandParts(command);
    let worst: Rule | undefined;
    for (const part of parts) {
      const rule = best(
        tool,
        (candidate) => candidate.pattern.specificity === 0 || (!opaque && candidate.pattern.command !== undefined && candidate.pattern.command(part)),
      );
      if (!worst || restrictiveness[rule.decision] > restrictiveness[worst.decision]) worst = rule;
    }
    return verdict(worst!);
  };

  const decideUrl = (tool: string, target: Extract<PermissionTarget, { kind: "url" }>): Verdict => {
    const host = target.host.toLowerCase();
    const matchesUrl = (rule: Rule): boolean =>
      rule.pattern.specificity === 0 ||
      (rule.pattern.host?.test(host) ?? false) ||
      (rule.pattern.address !== undefined && target.addresses.some(rule.pattern.address));
    const decided = best(tool, matchesUrl);
    if (decided.decision === "deny") return verdict(decided);
    // Loopback, link-local and private addresses only when a user rule names the host or the address.
    for (const address of target.addresses) {
      if (isPublicAddress(address)) continue;
      const named = rulesFor(tool).some(
        (rule) =>
          rule.user && rule.decision !== "deny" && ((rule.pattern.host?.literal && rule.pattern.host.test(host)) || (rule.pattern.address?.(address) ?? false)),
      );
      if (!named) {
        return {
          decision: "deny",
          rule: "default: loopback, link-local and private addresses → deny",
          reason: `${target.host} is ${address} (${addressRange(address)}); allow it with a rule naming the host or address`,
        };
      }
    }
    return verdict(decided);
  };

  return { workRoot: options.workRoot, decide };
};

const matchesPath = (rule: Rule, absolute: string, inside: string | undefined): boolean => {
  if (rule.where === "inside") return inside !== undefined;
  if (rule.where === "outside") return inside === undefined;
  const pattern = rule.pattern.path;
  if (!pattern) return rule.pattern.specificity === 0;
  if (pattern.absolute) return pattern.test(absolute);
  return inside !== undefined && pattern.test(inside);
};

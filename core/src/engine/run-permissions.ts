import { dirname, isAbsolute, relative, sep } from "node:path";
import {
  compilePolicy,
  compileRules,
  PermissionRulesError,
  realWorkRoot,
  type PermissionPolicy,
  type PolicyOptions,
  type RuleLayer,
} from "../permissions/index.js";
import type { PermissionRules, SandboxSettings } from "../permissions/index.js";
import { builtinToolTargets } from "../permissions/tool-targets.js";
import type { ShellSandbox } from "../tools/shell-sandbox.js";
import type { ToolRegistry } from "../tools/tool-registry.js";
import { rowsOf, type RowSource } from "./session-past.js";

/** What a run allows its tools: the compiled policy, the shell sandbox, and what a human allowed for the run. */
export interface RunPermissions {
  /**
   * The policy of a conversation with rules of its own (compiled once per rules object); without
   * rules of its own, the run's: defaults, then .escapement.json, then run options.
   */
  policyFor(rules: PermissionRules | undefined, label: string): PermissionPolicy;
  /** Targets a human allowed "for this run", by tool and target. */
  readonly grants: Set<string>;
  /** How shell commands are confined; undefined when they run unconfined. Made on first read. */
  readonly sandbox: ShellSandbox | undefined;
  /** What probing bubblewrap found (children of the run reuse it). */
  readonly bwrap: PermissionSetup["bwrap"];
}

/** How a grant ("allow for this run") is keyed: the tool and its target as rows show it. */
export const grantKey = (tool: string, target: string): string => `${tool}\u0000${target}`;

/** The "allow for this run" answers a session's transcript holds: a resumed run does not ask them again. */
export async function grantsIn(transcript: RowSource): Promise<string[]> {
  const grants: string[] = [];
  for await (const row of rowsOf(transcript)) {
    if (row.event !== "tool/permission") continue;
    const data = row.data as { tool?: unknown; target?: unknown; answer?: unknown; childSessionId?: unknown };
    if (data.answer === "run" && data.childSessionId === undefined && typeof data.tool === "string" && typeof data.target === "string") {
      grants.push(grantKey(data.tool, data.target));
    }
  }
  return grants;
}

/** The shell sandbox could not be set up and the settings require it. */
export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

export interface PermissionSetup {
  workDir: string;
  /** The run's session directory and the directory holding it; none for a session its store keeps elsewhere (memory). */
  sessionDir?: string;
  /** Where tools save downloads: readable by the fs tools wherever it is. */
  downloadDir?: string;
  layers: readonly RuleLayer[];
  protectedPaths: readonly string[];
  settings: SandboxSettings;
  /** bwrap's path, or why it cannot be used here. */
  bwrap: { path: string } | { unavailable: string };
  tools: ToolRegistry;
}

/** Throws SandboxUnavailableError when the settings require a sandbox this machine cannot give. */
export const requireSandbox = (settings: SandboxSettings, bwrap: PermissionSetup["bwrap"]): void => {
  if (settings.mode === "required" && "unavailable" in bwrap) {
    throw new SandboxUnavailableError(`the shell sandbox is required (sandbox: "required") but unavailable: ${bwrap.unavailable}`);
  }
};

/**
 * Checks the run's rules and returns its permissions; throws PermissionRulesError for a rule that
 * does not compile or names no tool of the run, so such a rule stops the run before it starts.
 * The rest waits for the first tool that asks: the real paths the policy and the sandbox are
 * made of (system calls), and the policy itself (a rule per fs tool and protected path, several
 * KB): most sessions of a fleet never run such a tool, and the policy is pure, so making it later
 * gives the same one.
 */
export const preparePermissions = (setup: PermissionSetup): RunPermissions => {
  for (const layer of setup.layers) checkToolNames(layer.rules, setup.tools, layer.source);
  setup.layers.forEach((layer, index) => compileRules(layer.rules, index + 1, layer.source));
  let placed: RunPlaces | undefined;
  const places = (): RunPlaces => (placed ??= runPlaces(setup));
  let policy: PermissionPolicy | undefined;
  const perConversation = new WeakMap<PermissionRules, PermissionPolicy>();
  return {
    grants: new Set(),
    get sandbox() {
      return places().sandbox;
    },
    bwrap: setup.bwrap,
    policyFor(rules, label) {
      if (rules === undefined) return (policy ??= compilePolicy(places().base));
      let compiled = perConversation.get(rules);
      if (!compiled) {
        const { base } = places();
        compiled = compilePolicy({ ...base, layers: [...setup.layers, { source: label, rules }] });
        perConversation.set(rules, compiled);
      }
      return compiled;
    },
  };
};

/** The run's places as real paths: the options its policies compile from, and its sandbox. */
interface RunPlaces {
  base: PolicyOptions;
  sandbox: ShellSandbox | undefined;
}

const runPlaces = (setup: PermissionSetup): RunPlaces => {
  const workRoot = realWorkRoot(setup.workDir);
  // The session and the sessions directory are protected, unless the work root is inside them
  // (then what lies outside the work root is denied anyway).
  const sessionDir = setup.sessionDir === undefined ? undefined : realWorkRoot(setup.sessionDir);
  const keyFiles = setup.protectedPaths.map(realWorkRoot);
  const protectedPaths = [...(sessionDir === undefined ? [] : [sessionDir, dirname(sessionDir)]), ...keyFiles].filter((path) => !contains(path, workRoot));
  const sandbox: ShellSandbox | undefined =
    setup.settings.mode !== "off" && "path" in setup.bwrap
      ? {
          bwrap: setup.bwrap.path,
          writable: [workRoot],
          hidden: [...new Set([...(sessionDir === undefined ? [] : [sessionDir]), ...protectedPaths])],
          network: setup.settings.network,
        }
      : undefined;
  const base: PolicyOptions = {
    workRoot,
    layers: setup.layers,
    protectedPaths,
    readablePaths: setup.downloadDir === undefined ? [] : [realWorkRoot(setup.downloadDir)],
    shellSandboxed: sandbox !== undefined,
  };
  return { base, sandbox };
};

/** A rule set's problems, for a conversation's own rules: undefined when they compile and name known tools. */
export const rulesProblem = (rules: PermissionRules, tools: ToolRegistry): string | undefined => {
  try {
    compileRules(rules, 1, "conversation");
    checkToolNames(rules, tools, "conversation");
    return undefined;
  } catch (error) {
    if (error instanceof PermissionRulesError) return error.message;
    throw error;
  }
};

const checkToolNames = (rules: PermissionRules, tools: ToolRegistry, source: string): void => {
  const names = tools.list().map((tool) => tool.name);
  for (const key of Object.keys(rules)) {
    if (key === "*" || Object.hasOwn(builtinToolTargets, key) || tools.has(key)) continue;
    if (key.endsWith("__*") && (names.some((name) => name.startsWith(key.slice(0, -1))) || tools.explains(key.slice(0, -1)))) continue;
    const known = [...new Set([...Object.keys(builtinToolTargets), ...names])].join(", ");
    throw new PermissionRulesError(
      `permissions.${key}`,
      `no tool named ${JSON.stringify(key)} in this run (tools: ${known}; an MCP server's tools: "<server>__*")`,
      source,
    );
  }
};

const contains = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
};

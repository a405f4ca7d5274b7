import type { ToolSpec } from "../llm/protocol.js";
import { toToolSpec } from "./tool-spec.js";
import type { Tool } from "./tool.js";
import { toolTimeoutProblem } from "./tool-timeout-problem.js";

/** Names every provider accepts for a tool. */
const toolName = /^[A-Za-z0-9_-]{1,64}$/;

export class UnknownToolError extends Error {
  override readonly name = "UnknownToolError";
  readonly unknown: readonly string[];
  readonly available: readonly string[];
  /** Why some of the unknown tools are missing, by name (e.g. their MCP server failed to start). */
  readonly reasons: Readonly<Record<string, string>>;

  constructor(unknown: readonly string[], available: readonly string[], reasons: Readonly<Record<string, string>> = {}) {
    const list = available.length > 0 ? available.join(", ") : "(none)";
    const named = unknown.map((n) => (Object.hasOwn(reasons, n) ? `"${n}" (${reasons[n]})` : `"${n}"`));
    super(`unknown tool${unknown.length > 1 ? "s" : ""} ${named.join(", ")}; available: ${list}`);
    this.unknown = unknown;
    this.available = available;
    this.reasons = reasons;
  }
}

export class DuplicateToolError extends Error {
  override readonly name = "DuplicateToolError";
  readonly toolName: string;

  constructor(name: string) {
    super(`a tool named "${name}" is already registered`);
    this.toolName = name;
  }
}

/** The real tools one run may offer its conversations. Create one per run; never share. */
export class ToolRegistry {
  readonly #tools = new Map<string, Tool>();
  /** Name prefix -> why tools under it are missing. */
  readonly #missing = new Map<string, string>();

  constructor(tools: Iterable<Tool> = []) {
    for (const tool of tools) this.register(tool);
  }

  /** Adds a tool; throws on a duplicate or invalid name, an input that is not an object schema, or a timeout that is not a whole number of ms >= 1. */
  register(tool: Tool): this {
    if (!toolName.test(tool.name)) {
      throw new TypeError(`invalid tool name "${tool.name}": use 1-64 letters, digits, "_" or "-"`);
    }
    if (this.#tools.has(tool.name)) throw new DuplicateToolError(tool.name);
    const timeout = tool.timeoutMs === undefined ? undefined : toolTimeoutProblem(tool.timeoutMs, `tool "${tool.name}" timeoutMs`);
    if (timeout) throw new TypeError(timeout);
    toToolSpec(tool);
    this.#tools.set(tool.name, tool);
    return this;
  }

  /**
   * Records why tools whose names start with `prefix` are missing (e.g. `"github__"`: the MCP
   * server "github" failed to start), so `pick` can say so when a whitelist names one.
   */
  explainMissing(prefix: string, reason: string): this {
    this.#missing.set(prefix, reason);
    return this;
  }

  /** Whether tools under `prefix` are explained as missing (their MCP server did not start). */
  explains(prefix: string): boolean {
    return this.#missing.has(prefix);
  }

  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** All tools, in registration order. */
  list(): Tool[] {
    return [...this.#tools.values()];
  }

  /**
   * The whitelisted tools, in the order named (repeats dropped); all tools when `names` is
   * undefined. Throws `UnknownToolError` naming every unknown tool.
   */
  pick(names?: readonly string[]): Tool[] {
    if (names === undefined) return this.list();
    const unique = [...new Set(names)];
    const unknown = unique.filter((name) => !this.#tools.has(name));
    if (unknown.length > 0) {
      const reasons: Record<string, string> = {};
      for (const name of unknown) {
        for (const [prefix, reason] of this.#missing) if (name.startsWith(prefix)) reasons[name] = reason;
      }
      throw new UnknownToolError(unknown, [...this.#tools.keys()], reasons);
    }
    return unique.map((name) => this.#tools.get(name)!);
  }

  toSpecs(tools: readonly Tool[] = this.list()): ToolSpec[] {
    return tools.map(toToolSpec);
  }
}

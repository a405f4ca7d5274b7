import type { ToolSpec } from "../llm/protocol.js";
import { toToolSpec } from "./tool-spec.js";
import type { Tool } from "./tool.js";

/** Names every provider accepts for a tool. */
const toolName = /^[A-Za-z0-9_-]{1,64}$/;

export class UnknownToolError extends Error {
  override readonly name = "UnknownToolError";
  readonly unknown: readonly string[];
  readonly available: readonly string[];

  constructor(unknown: readonly string[], available: readonly string[]) {
    const list = available.length > 0 ? available.join(", ") : "(none)";
    super(`unknown tool${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; available: ${list}`);
    this.unknown = unknown;
    this.available = available;
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

  constructor(tools: Iterable<Tool> = []) {
    for (const tool of tools) this.register(tool);
  }

  /** Adds a tool; throws on a duplicate or invalid name, or an input that is not an object schema. */
  register(tool: Tool): this {
    if (!toolName.test(tool.name)) {
      throw new TypeError(`invalid tool name "${tool.name}": use 1-64 letters, digits, "_" or "-"`);
    }
    if (this.#tools.has(tool.name)) throw new DuplicateToolError(tool.name);
    toToolSpec(tool);
    this.#tools.set(tool.name, tool);
    return this;
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
    if (unknown.length > 0) throw new UnknownToolError(unknown, [...this.#tools.keys()]);
    return unique.map((name) => this.#tools.get(name)!);
  }

  toSpecs(tools: readonly Tool[] = this.list()): ToolSpec[] {
    return tools.map(toToolSpec);
  }
}

import { toolTimeoutProblem } from "./tool-timeout-problem.js";

/** How a conversation runs the tool calls of one model step; see docs/guide.md, "Tool calls: parallel, timeouts, loops". */
export interface ToolDispatchSettings {
  /** Parallel-safe calls of one step that run at once (default 4). */
  maxParallelTools: number;
  /** Time a tool call may take before it is aborted and the model is told it timed out (default 120 s). */
  toolTimeoutMs: number;
  /** Per tool name, a timeout over the tool's own and `toolTimeoutMs`. */
  toolTimeouts: Readonly<Record<string, number>>;
  /** The same call (tool and arguments) made this many times in one conversation is a loop (default 5); false: off. */
  toolLoopThreshold: number | false;
}

export const defaultToolDispatch: ToolDispatchSettings = {
  maxParallelTools: 4,
  toolTimeoutMs: 120_000,
  toolTimeouts: {},
  toolLoopThreshold: 5,
};

const wholeAtLeastOne = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value >= 1;

/** Every problem with (partial) dispatch settings, each naming the setting and `where` it was given. */
export function toolDispatchProblems(settings: Partial<ToolDispatchSettings>, where: string): string[] {
  const problems: string[] = [];
  const { maxParallelTools, toolTimeoutMs, toolTimeouts, toolLoopThreshold } = settings;
  if (maxParallelTools !== undefined && !wholeAtLeastOne(maxParallelTools)) {
    problems.push(`${where} maxParallelTools: expected a whole number >= 1, got ${JSON.stringify(maxParallelTools)}`);
  }
  if (toolTimeoutMs !== undefined) {
    const problem = toolTimeoutProblem(toolTimeoutMs, `${where} toolTimeoutMs`);
    if (problem) problems.push(problem);
  }
  for (const [name, value] of Object.entries(toolTimeouts ?? {})) {
    const problem = toolTimeoutProblem(value, `${where} toolTimeouts.${name}`);
    if (problem) problems.push(problem);
  }
  if (toolLoopThreshold !== undefined && toolLoopThreshold !== false && !(wholeAtLeastOne(toolLoopThreshold) && toolLoopThreshold >= 2)) {
    problems.push(`${where} toolLoopThreshold: expected a whole number >= 2, or false, got ${JSON.stringify(toolLoopThreshold)}`);
  }
  return problems;
}

/** Run-wide settings under a conversation's own; the conversation's per-tool timeouts over the run's. */
export function resolveToolDispatch(...layers: (Partial<ToolDispatchSettings> | undefined)[]): ToolDispatchSettings {
  let resolved = defaultToolDispatch;
  for (const layer of layers) {
    if (!layer) continue;
    resolved = {
      maxParallelTools: layer.maxParallelTools ?? resolved.maxParallelTools,
      toolTimeoutMs: layer.toolTimeoutMs ?? resolved.toolTimeoutMs,
      toolTimeouts: { ...resolved.toolTimeouts, ...layer.toolTimeouts },
      toolLoopThreshold: layer.toolLoopThreshold ?? resolved.toolLoopThreshold,
    };
  }
  return resolved;
}

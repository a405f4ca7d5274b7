/** A request for human input, as the chart describes it. */
export interface PromptRequest {
  promptId: string;
  invokeId: string;
  kind: "text" | "select" | "multi-select" | "confirm" | "progress";
  message: string;
  options?: { value: string; label: string }[];
  default?: unknown;
  /** JSON Schema a valid answer satisfies. */
  schema: Record<string, unknown>;
  progress?: { value: number; total: number };
}

export type PromptAnswer = { value: unknown } | { cancelled: true };

/**
 * Where prompts are shown: the TUI over the wire, a plain stdin fallback, or a script in tests.
 * `ask` resolves with the answer; the caller validates it and may ask again.
 */
export interface HumanRenderer {
  ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer>;
  /** Updates a progress prompt; optional for renderers that cannot show one. */
  progress?(promptId: string, value: number, total: number): void;
  /** Tells the renderer a prompt's answer was rejected, before it is asked again. */
  reject?(promptId: string, reason: string): void;
  /** Tells the renderer a prompt took its answer (or its cancel): it is not asked again. */
  answered?(promptId: string): void;
}

/**
 * Steering: a message for a running conversation from outside the chart (a renderer's `steer`
 * frame, the host program's `steer()`). The conversation gets it at its next step: after the
 * model call in flight and its tool results, before the next call (see conversation.ts).
 *
 * A `SteerChannel` is made by whoever takes messages before the run exists (the CLI's wire
 * server, `run()`'s handle) and given to the run, which attaches itself once its chart starts.
 */
import { MAX_STEER_CHARS } from "@escapement/wire-schema";

/** Why a message was refused; nothing was queued. */
export const STEER_REFUSALS = ["unknown-conversation", "not-running", "empty", "too-long"] as const;
export type SteerRefusal = (typeof STEER_REFUSALS)[number];

/** Who sent a message, as its `llm/steer-queued` row says. */
export type SteerSource = "renderer" | "host" | "replay";

export type SteerResult = { ok: true; steerId: string } | { ok: false; code: SteerRefusal; message: string };

/** Takes a checked message for a run; `steerRun` in steer-run.ts. */
export type SteerHandler = (conversation: string, text: string, from: SteerSource) => SteerResult;

export { MAX_STEER_CHARS };

/** What is wrong with a message whatever the run: empty, or too long. */
export function steerTextProblem(text: unknown): Extract<SteerResult, { ok: false }> | undefined {
  if (typeof text !== "string" || text.trim() === "") return { ok: false, code: "empty", message: "a steering message needs text" };
  if (text.length > MAX_STEER_CHARS)
    return { ok: false, code: "too-long", message: `a steering message is at most ${MAX_STEER_CHARS} characters (this one has ${text.length})` };
  return undefined;
}

export class SteerChannel {
  #handler: SteerHandler | undefined;

  /** @internal The run takes the channel's messages from now on; returns a detach. */
  attach(handler: SteerHandler): () => void {
    this.#handler = handler;
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  /** Queues `text` for the conversation `conversation` (its invoke id). Never throws. */
  steer(conversation: string, text: string, from: SteerSource = "host"): SteerResult {
    const problem = steerTextProblem(text);
    if (problem) return problem;
    if (!this.#handler) return { ok: false, code: "not-running", message: "the run is not running: its chart has not started, or it has ended" };
    return this.#handler(conversation, text, from);
  }
}

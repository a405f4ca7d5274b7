/**
 * The events Escapement sends a chart on its own, beside the allowed events of its conversations
 * (`EventsOf`). A chart that declares `setup({ types: { events } })` lists every event it handles,
 * these included, e.g. `{} as EventsOf<typeof events> | EndTurnEvent`.
 */
import type { LlmAttempt, LlmErrorCategory } from "../llm/llm-error.js";

/** A reply with no tool calls ended the turn: `onEndTurnEvent` of `converse()`, `llm.idle` by default. */
export interface EndTurnEvent<TType extends string = "llm.idle"> {
  type: TType;
  invokeId: string;
  turn: number;
  /** The whole reply. */
  text: string;
  snippet: string;
  /** The response blob in `io.jsonl`. */
  ref: string;
}

/** A conversation gave up: its model call failed, `maxTurns` or `budgetMs` ran out, or two turns in a row sent invalid payloads. */
export type LlmErrorEvent<TCategory extends LlmErrorCategory = LlmErrorCategory> = TCategory extends unknown
  ? {
      type: `error.llm.${TCategory}`;
      invokeId: string;
      category: TCategory;
      /** Absent for `tool-validation`. */
      message?: string;
      /** The turn, for `tool-validation`. */
      turn?: number;
      /** Every target the model layer tried, when it tried more than one. */
      attempts?: LlmAttempt[];
    }
  : never;

/** The human cancelled a prompt of `askHuman()`. */
export interface HumanCancelledEvent {
  type: "human.cancelled";
  promptId: string;
}

/**
 * A conversation made the same tool call (tool and arguments) `count` times: `toolLoopThreshold`
 * times, or a multiple of it. The call still ran; the chart decides whether the conversation goes on.
 */
export interface ToolLoopEvent {
  type: "llm.tool-loop";
  invokeId: string;
  turn: number;
  toolCallId: string;
  /** The tool's name. */
  name: string;
  count: number;
}

import type { Needs } from "../llm/catalog/needs.js";
import type { GenerationParams } from "../llm/generation-params.js";
import type { ModelMessage, ToolSpec } from "../llm/protocol.js";
import type { PermissionRules } from "../permissions/index.js";
import type { ToolDispatchSettings } from "../tools/tool-dispatch-settings.js";
import type { CompactionSettings } from "./compaction-settings.js";

/** A message for a running conversation from outside it (a steer), waiting for the next step. */
export interface SteerMessage {
  /** Names it in its `llm/steer-queued` and `llm/steer-injected` rows. */
  id: string;
  text: string;
}

/** The persisted part of a conversation: enough to resume it mid-turn with its whole history. */
export interface ConversationState {
  invokeId: string;
  stateId: string;
  model: string;
  models: string[];
  system?: string;
  realTools: string[];
  /** This conversation's own permission rules, narrower than the run's. */
  permissions?: PermissionRules;
  eventTools: { toolName: string; eventName: string; spec: ToolSpec }[];
  peers: string[];
  askHuman: boolean;
  maxTurns: number;
  budgetMs?: number;
  /** How this conversation's tool calls run, over the run's (`maxParallelTools`, `toolTimeoutMs`, `toolTimeouts`, `toolLoopThreshold`). */
  toolDispatch?: Partial<ToolDispatchSettings>;
  onEndTurnEvent: string;
  stream: boolean;
  params: GenerationParams;
  resilience?: unknown;
  needs?: Needs;
  messages: ModelMessage[];
  /** Completed model turns. */
  turn: number;
  /** "calling" while a turn is owed (in flight, or to be re-issued on resume). */
  phase: "calling" | "idle";
  /** Messages told while a turn was in flight; delivered with the next turn. */
  inbox: string[];
  /** Consecutive turns whose event-tool payloads failed validation. */
  validationStrikes: number;
  /** Steering messages waiting for the next model step (absent in checkpoints older than steering). */
  steering?: SteerMessage[];
  /** When older history is summarised; false: never (absent: the default, see compaction.ts). */
  compaction?: CompactionSettings | false;
  /** The chart asked for a compaction (the `compact` action): done before the next model step. */
  compactRequested?: boolean;
}

export type ConversationEvent =
  | { type: "llm.tell"; text: string; from?: string }
  | { type: "escapement.turn-committed"; append: ModelMessage[]; phase: "calling" | "idle"; validationStrikes: number }
  /** Moves held messages into the history just before the next turn is built. */
  | { type: "escapement.inbox-delivered" }
  | { type: "escapement.conversation-failed" }
  /** A steering message, queued until the next model step. */
  | { type: "escapement.steer"; id: string; text: string }
  /** Moves the queued steering messages into the history just before the next turn is built. */
  | { type: "escapement.steer-injected" }
  /** The chart's `compact` action. */
  | { type: "escapement.compact-requested" }
  /** The history after a compaction. */
  | { type: "escapement.compacted"; messages: ModelMessage[] };

export const userText = (text: string): ModelMessage => ({ role: "user", content: [{ type: "text", text }] });

export const textOf = (message: ModelMessage): string =>
  message.content
    .filter((block): block is { type: "text"; text: string } => block.type === "text")
    .map((block) => block.text)
    .join("");

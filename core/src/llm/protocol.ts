import type { Needs } from "./catalog/needs.js";
import type { GenerationParams } from "./generation-params.js";
import type { ModelLayerEventListener } from "./model-layer-event.js";
import type { ModelMiddleware, SentRequest } from "./providers/middleware.js";
import type { ResiliencePolicy } from "./router/policy.js";
import type { ModelTarget } from "./target.js";

/**
 * The model protocol: what a conversation sends to a model and what comes back.
 * Provider adapters (AI SDK), the scripted model and cassettes all implement `ModelClient`; an
 * adapter serves one concrete model as a `TargetClient`, which the model router calls.
 */

export type ContentBlock =
  | { type: "text"; text: string }
  | {
      type: "thinking";
      text: string;
      signature?: string;
      /** Thinking the provider hid (Anthropic's redacted thinking): opaque data that must go back as it came; `text` is empty. */
      redacted?: string;
    }
  | { type: "image"; source: ImageSource }
  | { type: "tool-call"; id: string; name: string; input: unknown }
  | { type: "tool-result"; toolCallId: string; name: string; output: string; isError?: boolean };

export type ImageSource = { kind: "base64"; mediaType: string; data: string } | { kind: "url"; url: string };

export interface ModelMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the tool input. */
  inputSchema: Record<string, unknown>;
}

/** Where a request comes from; never sent to a provider. */
export interface RequestOrigin {
  /** Invoke id of the conversation actor (unique per run). */
  invokeId: string;
  /** Id of the chart state node that owns the conversation. */
  stateId: string;
  /** 1-based turn number within the conversation. */
  turn: number;
  /**
   * What the call is for when it is not the conversation's own turn: `compaction` writes the
   * summary that replaces the older history before step `turn`. Absent: the turn itself. Calls
   * with a purpose never stand in for a turn's (on resume, in the cassette, in the transcript).
   */
  purpose?: "compaction";
}

export interface ModelRequest {
  /** An alias keyword; the model layer resolves it to provider targets. */
  model: string;
  system?: string;
  messages: ModelMessage[];
  tools: ToolSpec[];
  params: GenerationParams;
  stream: boolean;
  origin: RequestOrigin;
  /** Ordered fallback aliases, tried after `model`'s own targets (the model router reads it). */
  models?: string[];
  /** Retry/failover/latency/overrun policy for this call; overrides the router's defaults per section. */
  resilience?: ResiliencePolicy;
  /** What the model must offer (catalog facts), e.g. `{contextWindow: [">=", 100000], vision: true}`. */
  needs?: Needs;
}

export const stopReasons = ["end_turn", "tool_use", "max_tokens", "stop_sequence"] as const;

export type StopReason = (typeof stopReasons)[number];

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelResponse {
  content: ContentBlock[];
  stopReason: StopReason;
  usage: Usage;
  /** The concrete target that answered, e.g. "anthropic:claude-sonnet-4-5" or "scripted". */
  target: string;
  /** Milliseconds from request to first streamed token, when streamed. */
  ttftMs?: number;
  /** What the call cost in USD (every completed try included), when the catalog knows the price. */
  costUsd?: number;
  /** Fraction of the target's context window in use after this reply, in [0, 1], when the window is known. */
  contextUsed?: number;
}

export type ModelDelta = { kind: "text" | "thinking"; text: string };

export interface CallOptions {
  signal: AbortSignal;
  /** Called for every streamed text/thinking fragment, in order. */
  onDelta?: (delta: ModelDelta) => void;
  /**
   * Called once, when the first streamed output of any kind (text, a thinking block, tool-call
   * input) arrives, with the milliseconds since the call started (the value that becomes `ttftMs`).
   * A tool-call-only reply never calls `onDelta`, so a first-token deadline listens here.
   */
  onFirstToken?: (ttftMs: number) => void;
  /**
   * Called for what the model layer does on the way (retries, failovers, latency switches,
   * overruns, context warnings): each becomes a transcript row `event` with `data`.
   */
  onEvent?: ModelLayerEventListener;
  /**
   * AI SDK middleware for this call only, on top of the client's own: it sees the request first,
   * then the client's middleware does. An entry's `aliases` limit it to calls asking for those.
   * Clients over AI SDK models apply it (`createTargetClient`, `languageModelTargetClient`, the
   * router passes it on); scripted models and cassette replays do not run it.
   */
  middleware?: readonly ModelMiddleware[];
  /**
   * Called when a call that goes through middleware hands the provider its request, with that
   * request after every middleware's `transformParams` (see `SentRequest`). Once per request
   * sent: a retried or failed-over call reports each, the last one is the answered one. Not called
   * for a call that no middleware wraps (what was sent is then the request as given).
   */
  onSent?: (sent: SentRequest) => void;
}

/** One seam for every model backend. Rejects with `LlmError` on failure. */
/** A steering message as a conversation got it, just before its step `origin.turn`. */
export interface RecordedSteer {
  origin: RequestOrigin;
  steerId: string;
  text: string;
}

export interface ModelClient {
  call(request: ModelRequest, options: CallOptions): Promise<ModelResponse>;
  /** Throws `LlmError` (category "unknown-alias") when the alias cannot be served. */
  assertAlias(alias: string): void;
  /**
   * Called once when a run resumes, with the calls its transcript shows as completed. Clients
   * that answer by position (scripts, cassettes) skip them so nothing is answered or paid twice.
   */
  skipCompleted?(origins: readonly RequestOrigin[]): void;
  /**
   * A recording's steering messages (a cassette): a run on this client sends each again just
   * before the step that got it, so the requests that follow match the recording.
   */
  recordedSteers?(): readonly RecordedSteer[];
  /**
   * The session a recording was made in, when this client replays one (a cassette loaded from a
   * session directory): a run on this client compares its chart's state after every event with the
   * state that session's transcript recorded. `strict`: a divergence ends the run.
   */
  replayOf?(): ReplayedSession | undefined;
}

/** A recorded session a client replays (see `ModelClient.replayOf`). */
export interface ReplayedSession {
  sessionDir: string;
  /** The id the recording names (the cassette's header): the transcript beside it must be that session's. */
  sessionId: string;
  strict: boolean;
}

/**
 * A client for exactly one target (no aliases, no retries): what a provider adapter builds and
 * what the resilience layer calls. `request.model` is ignored; the target fixes the model.
 * Rejects with a categorized `LlmError`.
 */
export interface TargetClient {
  readonly target: ModelTarget;
  call(request: ModelRequest, options: CallOptions): Promise<ModelResponse>;
}

export const emptyUsage = (): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

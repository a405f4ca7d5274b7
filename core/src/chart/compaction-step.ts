import type { RunServices } from "../engine/run-services.js";
import type { ContextRow } from "../engine/recorded-turns.js";
import { isLlmError, LlmError } from "../llm/llm-error.js";
import { turnEventData } from "../llm/model-layer-event.js";
import { modelLayer } from "../llm/model-layer.js";
import type { ModelClient, ModelRequest, ModelResponse } from "../llm/protocol.js";
import { requestJson } from "../llm/request-json.js";
import { requestTextLength, tokensOfLength } from "../llm/request-summary.js";
import { tokensInContext } from "../llm/router/metrics.js";
import { compactionOf, defaultCompaction, defaultCompactionPrompt } from "./compaction.js";
import { compactedHistory, compactionCut, summaryRequestMessages } from "./compaction-cut.js";
import { contextTokens, gaugeAt, messagesTokens, type ContextGauge } from "./compaction-gauge.js";
import type { ConversationEvent, ConversationState } from "./conversation-state.js";
import { blobStem, blocksText, buildRequest } from "./conversation-turn.js";
import type { EventDataWith } from "../runtime/event-data-with.js";

/** The rows of a compaction name the conversation's state too: a resume counts the summary call by its origin. */
type CompactedRow = EventDataWith<"llm/compacted", { stateId: string }>;
type CompactionNotice = EventDataWith<"runner/notice", { invokeId: string; stateId: string; turn: number }>;

export interface CompactorDeps {
  services: RunServices;
  /** The conversation's model client (seen through the debugger), for the summary call. */
  model: ModelClient;
  /** The conversation's current state. */
  state: () => ConversationState;
  /** Sends an event to the conversation itself. */
  send: (event: ConversationEvent) => void;
  /** False once the conversation ended: nothing more is recorded for it. */
  live: () => boolean;
  signal: AbortSignal;
  /** Names the conversation instance's io blobs (see `TurnContext.blobPrefix`). */
  blobPrefix: string;
}

type Reason = "threshold" | "requested";

/**
 * A conversation's compactions: before a model step whose context would pass `compaction.at` of
 * the window, or when the chart asked (`compact`), the older history is replaced by a summary a
 * model call writes. The summary call has its own origin (`purpose: "compaction"`, the turn of the
 * step it comes before), so it is recorded in the cassette, replayed and answered from disk on a
 * resume like any call, and never taken for the turn's own. The new history reaches the
 * conversation with its `llm/compacted` row, and both are checkpointed before the step's call.
 */
export class Compactor {
  /** What this conversation's calls measured, in order: the resumed run's rows, then this run's. */
  readonly #rows: ContextRow[];
  /** The debugger let the summary call through: the loop looks at the state again without asking twice. */
  #admitted = false;

  constructor(private readonly deps: CompactorDeps) {
    this.#rows = deps.services.recorded.takeContext(deps.state().invokeId);
  }

  /** `model`, noting what each of the conversation's own calls measured (the usage and window share of its response). */
  measuring(model: ModelClient): ModelClient {
    return modelLayer(model, async (request, options) => {
      const response = await model.call(request, options);
      if (request.origin.purpose === undefined) {
        const { contextUsed } = response;
        this.#rows.push({
          kind: "response",
          turn: request.origin.turn,
          tokens: tokensInContext(response.usage),
          ...(contextUsed === undefined ? {} : { contextUsed }),
        });
      }
      return response;
    });
  }

  /**
   * Compacts the history when it is due before the conversation's next step (or now, when the chart
   * asked while it is idle). True when it did anything (the state may have changed: look again).
   */
  async beforeStep(state: ConversationState): Promise<boolean> {
    const gauge = gaugeAt(this.#rows, state.turn);
    const reason = dueReason(state, gauge);
    if (reason === undefined) {
      this.#admitted = false;
      return false;
    }
    const { services } = this.deps;
    const step = state.turn + 1;
    const held = this.#admitted ? undefined : services.debug.enter(`compaction ${state.invokeId} before turn ${step}`, this.deps.signal);
    if (held) {
      await held;
      this.#admitted = true;
      return true;
    }
    this.#admitted = false;
    const setting = compactionOf(state.compaction);
    // Asked for while automatic compaction is off: the default setting.
    const settings = setting === false ? defaultCompaction : setting;
    const cut = compactionCut(state.messages, settings.keepLast);
    if (!cut.ok) {
      this.#notDone(state, "compaction-skipped", `no compaction (${reason}): ${cut.reason}`);
      return true;
    }
    const base = buildRequest({ services, state }, step);
    const request: ModelRequest = {
      // The conversation's system prompt, tools and history prefix: a provider's prompt cache serves most of it.
      ...base,
      model: settings.alias ?? state.model,
      messages: summaryRequestMessages(state.messages, cut.start, settings.prompt ?? defaultCompactionPrompt),
      origin: { ...base.origin, purpose: "compaction" },
    };
    // A summary alias of its own is called alone, without the conversation's fallbacks.
    if (settings.alias !== undefined) delete request.models;
    const answered = await this.#summarise(state, request, step);
    if (!this.deps.live()) return true;
    if ("failure" in answered) {
      if (answered.failure) this.#notDone(state, "compaction-failed", `the summary call failed, the history is kept as it is: ${answered.failure}`);
      return true;
    }
    const summary = blocksText(answered.response.content).trim();
    if (summary === "") {
      this.#notDone(state, "compaction-failed", "the summary call answered no text, the history is kept as it is");
      return true;
    }
    // Told while idle during the call: the message came after the cut, so it is kept (only the tail of the history changes).
    const now = this.deps.state();
    const messages = compactedHistory(now.messages, cut, summary);
    const tokensBefore = contextTokens(gauge, now.messages) ?? tokensOfLength(requestTextLength({ ...base, messages: now.messages }));
    const tokensAfter = Math.max(0, tokensBefore - messagesTokens(now.messages.slice(0, cut.start)) + messagesTokens(messages.slice(0, 1)));
    const stem = `${blobStem({ blobPrefix: this.deps.blobPrefix, state }, step)}-compaction`;
    services.io.putJson(`${stem}-request`, requestJson(request));
    const ref = services.io.put(stem, answered.response);
    const row: CompactedRow = {
      invokeId: state.invokeId,
      stateId: state.stateId,
      turn: step,
      reason,
      tokensBefore,
      tokensAfter,
      messagesBefore: now.messages.length,
      messagesAfter: messages.length,
      ref,
    };
    services.transcript.append("llm/compacted", row);
    this.#rows.push({ kind: "compacted", turn: step, tokens: tokensAfter, messages: messages.length });
    this.deps.send({ type: "escapement.compacted", messages });
    // The row and the history it announces are kept together, before the step's call goes out.
    void services.checkpointNow();
    return true;
  }

  /** The summary call; `failure` (undefined when the conversation ended under it) when it gave no answer. */
  async #summarise(state: ConversationState, request: ModelRequest, step: number): Promise<{ response: ModelResponse } | { failure: string | undefined }> {
    const { services, signal } = this.deps;
    const done = services.inflight.begin(`compaction ${state.invokeId} before turn ${step}`);
    try {
      return {
        response: await this.deps.model.call(request, {
          signal,
          // What the model layer did on the way (retries, failovers), as rows of the step it comes before.
          onEvent: (event, data) => {
            if (!signal.aborted) services.transcript.append(event, turnEventData(data, state.invokeId, step));
          },
        }),
      };
    } catch (error) {
      if (!this.deps.live()) return { failure: undefined };
      if (isLlmError(error) && error.endsRun) {
        // A replay that left its cassette, a loop: the run ends, as it would for the turn's own call.
        this.#notDone(state, "compaction-failed", `the summary call failed: ${error.category}: ${error.message}`);
        this.deps.send({ type: "escapement.conversation-failed" });
        services.fail(error.category, `conversation "${state.invokeId}" compaction before turn ${step}: ${error.message}`);
        return { failure: undefined };
      }
      if (!isLlmError(error) && typeof (error as NodeJS.ErrnoException).code === "string") {
        // The session directory could not be written (the cassette): nothing more can be made durable.
        this.#giveUp(state);
        this.deps.send({ type: "escapement.conversation-failed" });
        services.fail("session-io", `conversation "${state.invokeId}" compaction before turn ${step}: ${(error as Error).message}`);
        return { failure: undefined };
      }
      const failed = isLlmError(error) ? error : new LlmError("transport", (error as Error).message ?? String(error));
      return { failure: `${failed.category}: ${failed.message}` };
    } finally {
      done();
    }
  }

  /** No compaction this time: a notice says why, and it is not tried again before this step (a request is answered). */
  #notDone(state: ConversationState, code: "compaction-failed" | "compaction-skipped", why: string): void {
    const step = state.turn + 1;
    const notice: CompactionNotice = {
      code,
      message: `conversation "${state.invokeId}" in state ${state.stateId}, before turn ${step}: ${why}`,
      invokeId: state.invokeId,
      stateId: state.stateId,
      turn: step,
    };
    this.deps.services.transcript.append("runner/notice", notice);
    this.#giveUp(state);
  }

  /** Not tried again before this step; a request is answered (with the history as it is). */
  #giveUp(state: ConversationState): void {
    this.#rows.push({ kind: "not-compacted", turn: state.turn + 1 });
    if (this.deps.state().compactRequested) this.deps.send({ type: "escapement.compacted", messages: this.deps.state().messages });
  }
}

/** Why the history is compacted now, if it is: the chart asked, or the next step's context would pass the threshold. */
function dueReason(state: ConversationState, gauge: ContextGauge): Reason | undefined {
  if (state.compactRequested) return "requested";
  const setting = compactionOf(state.compaction);
  if (setting === false || state.phase !== "calling" || state.inbox.length > 0 || state.turn >= state.maxTurns) return undefined;
  if (gauge.window === undefined || gauge.triedFor === state.turn + 1) return undefined;
  const tokens = contextTokens(gauge, state.messages);
  return tokens !== undefined && tokens > setting.at * gauge.window ? "threshold" : undefined;
}

import { LlmError } from "../llm/llm-error.js";
import { modelLayer } from "../llm/model-layer.js";
import type { ModelClient } from "../llm/protocol.js";
import type { RunGate } from "./debug-gate.js";

/**
 * The conversation's model client, seen through the debugger: while a call is in flight it is
 * registered with the gate, and `interrupt` aborts it. The call then fails with an `LlmError` of
 * category "aborted", which the conversation records as `llm/error` and sends to the chart as
 * `error.llm.aborted` (the conversation goes idle; a `tellLlm` starts it again).
 */
export function interruptibleModel(model: ModelClient, gate: RunGate, invokeId: string): ModelClient {
  return modelLayer(model, async (request, options) => {
    // One controller aborted by either the caller or the debugger (cheaper than AbortSignal.any,
    // which every model call of every session would pay for).
    const interrupt = new AbortController();
    const forward = (): void => interrupt.abort(options.signal.reason);
    if (options.signal.aborted) forward();
    else options.signal.addEventListener("abort", forward, { once: true });
    const unregister = gate.interruptible(invokeId, () =>
      interrupt.abort(new LlmError("aborted", `model call of ${invokeId} turn ${request.origin?.turn ?? "?"} interrupted from the debugger`)),
    );
    try {
      return await model.call(request, { ...options, signal: interrupt.signal });
    } catch (error) {
      if (interrupt.signal.aborted && !options.signal.aborted) throw interrupt.signal.reason as LlmError;
      throw error;
    } finally {
      options.signal.removeEventListener("abort", forward);
      unregister();
    }
  });
}

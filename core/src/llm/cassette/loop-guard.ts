import type { EventData } from "@escapement/wire-schema";
import { LlmError } from "../llm-error.js";
import type { ModelClient } from "../protocol.js";
import { modelLayer } from "../model-layer.js";
import { keyOf } from "./normalize-request.js";

export const defaultLoopThreshold = 10;

/** The `detail` of a loop-detected error: its `llm/loop-detected` row without the conversation's invokeId. */
export type LoopDetail = Omit<EventData<"llm/loop-detected">, "invokeId">;

/** Stops a run that sends the same request `threshold` times: a model (or chart) going in circles. */
export function loopGuard(inner: ModelClient, threshold = defaultLoopThreshold): ModelClient {
  const counts = new Map<string, number>();
  return modelLayer(inner, (request, options) => {
    const { key } = keyOf(request);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count >= threshold) {
      return Promise.reject(
        new LlmError("loop-detected", `the same request was sent ${count} times (state ${request.origin.stateId}, key ${key})`, {
          detail: { count, requestKey: key } satisfies LoopDetail,
        }),
      );
    }
    return inner.call(request, options);
  });
}

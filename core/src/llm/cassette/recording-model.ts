import type { Clock } from "../../runtime/clock.js";
import { isLlmError } from "../llm-error.js";
import type { CallOptions, ModelClient, ModelRequest, ModelResponse } from "../protocol.js";
import { recordedFragment, type RecordedCall, type RecordedFragment } from "./cassette-entry.js";
import type { CassetteWriter } from "./cassette-file.js";
import { keyOf, normalizedRequestJson } from "./normalize-request.js";

/** Records every completed call (answer or categorized failure) of `inner` into a cassette. */
export function recordingModel(inner: ModelClient, writer: CassetteWriter, clock: Clock, firstPosition = 1): ModelClient {
  let position = firstPosition - 1;
  return {
    assertAlias: (alias) => inner.assertAlias(alias),
    ...(inner.skipCompleted ? { skipCompleted: (origins) => inner.skipCompleted!(origins) } : {}),
    async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
      const started = clock.now();
      const stream: RecordedFragment[] = [];
      const { key } = keyOf(request);
      const record = (extra: Pick<RecordedCall, "response"> | Pick<RecordedCall, "error">): void =>
        writer.append({ kind: "call", position: ++position, origin: request.origin, key, ...extra, stream, elapsedMs: clock.now() - started }, normalizedRequestJson(request));
      try {
        const response = await inner.call(request, {
          ...options,
          onDelta: (delta) => {
            stream.push(recordedFragment(clock.now() - started, delta.kind, delta.text));
            options.onDelta?.(delta);
          },
        });
        record({ response });
        return response;
      } catch (error) {
        // An aborted call has no answer worth replaying; a categorized failure does.
        if (isLlmError(error) && error.category !== "aborted") {
          record({ error: { category: error.category, message: error.message, ...(error.status ? { status: error.status } : {}) } });
        }
        throw error;
      }
    },
  };
}

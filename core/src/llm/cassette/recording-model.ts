import type { Clock } from "../../runtime/clock.js";
import { isLlmError } from "../llm-error.js";
import { modelLayer } from "../model-layer.js";
import type { CallOptions, ModelClient, ModelRequest, ModelResponse } from "../protocol.js";
import { recordedFragment, type RecordedCall, type RecordedFragment } from "./cassette-entry.js";
import type { CassetteWriter } from "./cassette-file.js";
import { keyOf, normalizedRequestJson } from "./normalize-request.js";

/** Records every completed call (answer or categorized failure) of `inner` into a cassette. */
export function recordingModel(inner: ModelClient, writer: CassetteWriter, clock: Clock, firstPosition = 1): ModelClient {
  let position = firstPosition - 1;
  return modelLayer(inner, async (request: ModelRequest, options: CallOptions): Promise<ModelResponse> => {
    const started = clock.now();
    const stream = new StreamLog();
    const { key } = keyOf(request);
    const record = (extra: Pick<RecordedCall, "response"> | Pick<RecordedCall, "error">): void =>
      writer.append(
        { kind: "call", position: ++position, origin: request.origin, key, ...extra, stream: stream.fragments(), elapsedMs: clock.now() - started },
        normalizedRequestJson(request),
      );
    try {
      const response = await inner.call(request, {
        ...options,
        onDelta: (delta) => {
          stream.add(clock.now() - started, delta.kind, delta.text);
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
  });
}

/**
 * The fragments of a call in flight, kept in two flat lists rather than an object per fragment:
 * a call streams for seconds, so its fragments outlive young-generation collections, and with
 * thousands of sessions streaming, copying and promoting an object per fragment costs more than
 * anything else the recorder does.
 */
class StreamLog {
  readonly #times: number[] = [];
  readonly #texts: string[] = [];
  /** Positions of thinking fragments; text is the rule. */
  #thinking: Set<number> | undefined;

  add(atMs: number, kind: "text" | "thinking", text: string): void {
    if (kind === "thinking") (this.#thinking ??= new Set()).add(this.#texts.length);
    this.#times.push(atMs);
    this.#texts.push(text);
  }

  fragments(): RecordedFragment[] {
    return this.#texts.map((text, index) => recordedFragment(this.#times[index]!, this.#thinking?.has(index) ? "thinking" : "text", text));
  }
}

import { existsSync } from "node:fs";
import type { CallOptions, ModelClient, ModelDelta, ModelRequest, ModelResponse, RecordedSteer } from "../llm/protocol.js";
import { isLlmError } from "../llm/llm-error.js";
import { modelLayer } from "../llm/model-layer.js";
import { CassetteWriter, loopGuard, recordingModel, defaultLoopThreshold, type CassetteSink } from "../llm/cassette/index.js";
import { scrubLlmError } from "../llm/providers/scrub-error.js";
import type { Clock } from "../runtime/clock.js";
import { SecretScrubber } from "../runtime/secret-scrubber.js";

export interface ModelChainOptions {
  /** The cassette file recorded calls go to, unless `cassette` is given. */
  cassettePath?: string;
  /** Where recorded calls go: a store's cassette sink, or its file. */
  cassette?: string | CassetteSink;
  chartId: string;
  sessionId: string;
  clock: Clock;
  /** Calls already in the session's cassette (a resumed run continues numbering after them). */
  recordedCalls: number;
  /** Identical requests that stop the run; `false` turns the guard off. */
  loopThreshold: number | false;
  /** Record calls into the cassette (default true); false when `base` already records them (fleet children). */
  record?: boolean;
  /** The run's secrets: no answer, streamed fragment, failure or cassette line of the chain holds one (default: none). */
  scrubber?: SecretScrubber;
}

/**
 * What every run's model calls go through: the loop guard, then the cassette recorder, then (when
 * the run has secrets) the secret scrubber right above the model, so what the model says reaches
 * the recorder, the chart (its context, its checkpoints) and the transcript's snippets scrubbed.
 */
export function buildModelChain(
  base: ModelClient,
  options: ModelChainOptions,
): { model: ModelClient; recorded: ModelClient; close(): void; recordSteer?: (steer: RecordedSteer) => void } {
  const scrubber = options.scrubber ?? SecretScrubber.none;
  const scrubbed = scrubber.active ? scrubbingModel(base, scrubber) : base;
  if (options.record === false) {
    const model = options.loopThreshold === false ? scrubbed : loopGuard(scrubbed, options.loopThreshold || defaultLoopThreshold);
    return { model, recorded: scrubbed, close: () => {} };
  }
  const header = { chartId: options.chartId, sessionId: options.sessionId, createdAt: options.clock.now() };
  const target = options.cassette ?? options.cassettePath;
  if (target === undefined) throw new TypeError("buildModelChain: no cassette to record to (cassette or cassettePath)");
  const writer = new CassetteWriter(target, header, scrubber);
  const recorded = recordingModel(scrubbed, writer, options.clock, options.recordedCalls + 1);
  const model = options.loopThreshold === false ? recorded : loopGuard(recorded, options.loopThreshold || defaultLoopThreshold);
  return { model, recorded, close: () => writer.close(), recordSteer: (steer) => writer.appendSteer(steer) };
}

/**
 * `inner` with the scrubber's secrets replaced by `[redacted]` in what comes back: the answer
 * (text, thinking, tool-call inputs), the streamed fragments (a secret split across fragments
 * included: a fragment's tail that may begin one waits for the next), the model layer's events
 * and the failure. The request goes to the model as it is.
 */
export function scrubbingModel(inner: ModelClient, scrubber: SecretScrubber): ModelClient {
  if (!scrubber.active) return inner;
  return modelLayer(inner, async (request: ModelRequest, options: CallOptions): Promise<ModelResponse> => {
    const { onDelta, onEvent } = options;
    const streams = { text: scrubber.stream(), thinking: scrubber.stream() };
    const pass = (kind: ModelDelta["kind"], text: string): void => {
      if (text !== "") onDelta!({ kind, text });
    };
    let response: ModelResponse;
    try {
      response = await inner.call(request, {
        ...options,
        ...(onDelta ? { onDelta: (delta) => pass(delta.kind, streams[delta.kind].push(delta.text)) } : {}),
        ...(onEvent ? { onEvent: (event, data) => onEvent(event, scrubber.scrubJson(data)) } : {}),
      });
    } catch (error) {
      // What a failed call still holds back is dropped: it may be the start of a secret.
      throw isLlmError(error) ? scrubLlmError(error, scrubber) : error;
    }
    if (onDelta) for (const kind of ["text", "thinking"] as const) pass(kind, streams[kind].end());
    return scrubber.scrubJson(response);
  });
}

export const cassetteExists = (path: string): boolean => existsSync(path);

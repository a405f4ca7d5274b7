import { randomUUID } from "node:crypto";
import { APICallError } from "@ai-sdk/provider";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { abortableSleep } from "../../runtime/abortable-sleep.js";
import { systemClock, type Clock } from "../../runtime/clock.js";
import { SecretScrubber } from "../../runtime/secret-scrubber.js";
import { recordedFragment, type CassetteCall, type RecordedFragment } from "../cassette/cassette-entry.js";
import { CassetteWriter, loadCassette } from "../cassette/cassette-file.js";
import { keyOf, normalizedRequestJson } from "../cassette/normalize-request.js";
import { describeDivergence } from "../cassette/request-diff.js";
import { LlmError, type LlmErrorCategory } from "../llm-error.js";
import { categoryOfStatus } from "../providers/classify.js";
import type { ModelRequest, ModelResponse } from "../protocol.js";
import { requestOfCall } from "./ai-sdk-request.js";
import { generateResultOf, responseOf, streamPartsOf } from "./ai-sdk-response.js";
import { CassetteMissError } from "./cassette-miss-error.js";
import { envSecrets } from "./env-secrets.js";
import { instantStream, pacedStream, type Sleep } from "./replay-stream.js";

export interface RecordReplayOptions {
  /** The cassette file (the format of a run's cassette.jsonl). */
  path: string;
  /**
   * record: every call goes to the model and is recorded (the file is written anew).
   * replay: every call is answered from the cassette, the model is never called.
   * auto: a call the cassette holds is replayed, any other goes to the model and is appended.
   */
  mode: "record" | "replay" | "auto";
  /** replay: a call the cassette does not hold throws `CassetteMissError` (default); `false` sends it to the model, unrecorded. */
  strict?: boolean;
  /**
   * How a replayed stream arrives. instant (default): at once, each text or reasoning block in one
   * delta (what a test suite wants: the fewest stream parts). chunks: at once, in the chunks it was
   * recorded in. recorded: in those chunks at the pace it was recorded, each at its offset.
   */
  timing?: "instant" | "chunks" | "recorded";
  /** The model's name in the cassette (default its `modelId`): a cassette for another name is refused. */
  model?: string;
  /** Values never written to the cassette (each replaced by `[redacted]`), beside the credentials of `env`. */
  secrets?: Iterable<string>;
  /** The environment whose credential-like variables (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, ...) are never recorded; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The cassette header's `chartId` (default "ai-sdk"): what `loadCassette(path, chartId)` expects. */
  name?: string;
  /** The cassette header's `sessionId` (default a random UUID). */
  sessionId?: string;
  /** Told when something is off but the calls go on (a torn line skipped); default `console.warn`. */
  onWarning?: (message: string) => void;
  clock?: Pick<Clock, "now">;
  sleep?: Sleep;
}

interface Loaded {
  byKey: Map<string, CassetteCall[]>;
  calls: CassetteCall[];
  models: Set<string>;
}

/**
 * Record and replay for any AI SDK app: the middleware for `wrapLanguageModel` that keeps a
 * model's calls (`generateText`, `streamText`, `generateObject`, tool calls, the streamed timing)
 * in a cassette and answers them from it later, at no cost and with no network. A call is keyed by
 * its normalized request (tool-call ids renumbered), as a run's calls are, so a cassette of either
 * loads with `loadCassette` and replays in the other where the requests are the same.
 */
export function recordReplay(options: RecordReplayOptions): LanguageModelV3Middleware {
  const { path, mode } = options;
  const clock = options.clock ?? systemClock;
  const name = options.name ?? "ai-sdk";
  const strict = options.strict ?? true;
  const warn = options.onWarning ?? ((message: string) => console.warn(`escapement: ${message}`));
  const scrubber = SecretScrubber.of([...(options.secrets ?? []), ...envSecrets(options.env ?? process.env)]);
  const sleep: Sleep = options.sleep ?? abortableSleep;

  let loading: Promise<Loaded> | undefined;
  let writer: CassetteWriter | undefined;
  /** Calls made through this middleware (their `origin.turn`), and the last position in the file. */
  let calls = 0;
  let position = 0;

  const load = (): Promise<Loaded> =>
    (loading ??= (async () => {
      const loaded: Loaded = { byKey: new Map(), calls: [], models: new Set() };
      if (mode === "record" || (mode === "auto" && !existsSync(path))) return loaded;
      const cassette = await loadCassette(path);
      if (cassette.skipped > 0) warn(`${path}: ${cassette.skipped} unreadable line${cassette.skipped === 1 ? "" : "s"} skipped (a torn write?)`);
      for (const call of cassette.calls) {
        const queue = loaded.byKey.get(call.key);
        if (queue) queue.push(call);
        else loaded.byKey.set(call.key, [call]);
        loaded.models.add(call.request.model);
      }
      loaded.calls = cassette.calls;
      position = cassette.calls.reduce((last, call) => Math.max(last, call.position), 0);
      return loaded;
    })());

  const write = (
    request: ModelRequest,
    answer: { response: ModelResponse } | { error: CassetteCall["error"] & {} },
    stream: RecordedFragment[],
    elapsedMs: number,
  ): void => {
    if (!writer) {
      mkdirSync(dirname(path), { recursive: true });
      if (mode === "record") rmSync(path, { force: true });
      else endLine(path);
      writer = new CassetteWriter(path, { chartId: name, sessionId: options.sessionId ?? randomUUID(), createdAt: clock.now() }, scrubber);
    }
    const { key } = keyOf(request);
    writer.append({ kind: "call", position: ++position, origin: request.origin, key, ...answer, stream, elapsedMs }, normalizedRequestJson(request));
  };

  /**
   * A provider's refusal (an HTTP error: 429, 400, 529, ...) is its answer to that request, kept so
   * a replay fails the same way (and the AI SDK's retries find their answers in turn). A failure
   * without a status (the network, an abort) says nothing about the request: not recorded.
   */
  const writeFailure = (request: ModelRequest, error: unknown, elapsedMs: number): void => {
    if (!recording || !APICallError.isInstance(error) || error.statusCode === undefined) return;
    const status = error.statusCode;
    write(request, { error: { category: categoryOfStatus(status, error.message, error.responseBody ?? ""), message: error.message, status } }, [], elapsedMs);
  };

  /** The request of a call, and the recorded call that answers it (undefined: the model must). */
  const lookUp = async (params: LanguageModelV3CallOptions, model: LanguageModelV3): Promise<{ request: ModelRequest; hit?: CassetteCall }> => {
    const loaded = await load();
    const modelName = options.model ?? model.modelId;
    const turn = ++calls;
    const request = requestOfCall(params, modelName, { invokeId: name, stateId: modelName, turn });
    if (mode === "record") return { request };
    if (loaded.models.size > 0 && !loaded.models.has(modelName)) {
      throw new LlmError("unknown-alias", `${path} was recorded for model ${[...loaded.models].map((m) => `"${m}"`).join(", ")}, not "${modelName}"`);
    }
    const hit = loaded.byKey.get(keyOf(request).key)?.shift();
    if (hit) return { request, hit };
    if (mode === "replay" && strict) throw new CassetteMissError(path, describeDivergence(loaded.calls, keyOf(request).normalized, request.origin, turn));
    return { request };
  };

  const target = (model: LanguageModelV3): string => `${model.provider}:${model.modelId}`;
  const recording = mode !== "replay";

  return {
    specificationVersion: "v3",

    async wrapGenerate({ doGenerate, params, model }) {
      const { request, hit } = await lookUp(params, model);
      if (hit) {
        if (options.timing === "recorded" && hit.elapsedMs > 0) await sleep(hit.elapsedMs, params.abortSignal ?? new AbortController().signal);
        return generateResultOf(answerOf(hit, path));
      }
      const started = clock.now();
      let result: Awaited<ReturnType<typeof doGenerate>>;
      try {
        result = await doGenerate();
      } catch (error) {
        writeFailure(request, error, clock.now() - started);
        throw error;
      }
      if (recording) write(request, { response: responseOf(result.content, result.finishReason, result.usage, target(model)) }, [], clock.now() - started);
      return result;
    },

    async wrapStream({ doStream, params, model }) {
      const { request, hit } = await lookUp(params, model);
      if (hit) {
        const timing = options.timing ?? "instant";
        // Instant: the recorded chunks are left out, so each block streams whole.
        const parts = streamPartsOf(answerOf(hit, path), timing === "instant" ? [] : hit.stream, hit.elapsedMs);
        const stream = timing === "recorded" ? pacedStream(parts, sleep, params.abortSignal ?? new AbortController().signal) : instantStream(parts);
        return { stream };
      }
      const started = clock.now();
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        writeFailure(request, error, clock.now() - started);
        throw error;
      }
      if (!recording) return result;
      const log = new CallLog();
      const source = result.stream.getReader();
      // Read on demand and handed on as read: no second queue, no pipe (a transform stream costs
      // a few promises per part, which a streamed call of hundreds of parts feels).
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          const next = await source.read();
          if (next.done) {
            // A call that failed or never finished has no answer worth replaying.
            if (log.finish && !log.failed)
              write(
                request,
                { response: responseOf(log.content, log.finish.finishReason, log.finish.usage, target(model)) },
                log.fragments,
                clock.now() - started,
              );
            return controller.close();
          }
          log.add(next.value, clock.now() - started);
          controller.enqueue(next.value);
        },
        cancel: (reason) => source.cancel(reason),
      });
      return { ...result, stream };
    },
  };
}

/**
 * The recorded answer, or the recorded failure thrown again: a provider's HTTP refusal as the AI
 * SDK's own `APICallError` (same status and message, so the app's handling and the SDK's retries
 * behave as they did), a run's categorized failure without a status as an `LlmError`.
 */
function answerOf(call: CassetteCall, path: string): ModelResponse {
  if (call.error?.status !== undefined)
    throw new APICallError({ message: call.error.message, url: `cassette:${path}#${call.position}`, requestBodyValues: {}, statusCode: call.error.status });
  if (call.error) throw new LlmError(call.error.category as LlmErrorCategory, call.error.message);
  if (!call.response) throw new LlmError("invalid-request", `${path}: call #${call.position} has neither an answer nor a failure`);
  return call.response;
}

/** A streamed call as it goes by: its fragments with their offsets, its content, how it finished. */
class CallLog {
  readonly fragments: RecordedFragment[] = [];
  readonly content: LanguageModelV3Content[] = [];
  readonly #open = new Map<string, { text: string }>();
  finish: { finishReason: LanguageModelV3FinishReason; usage: LanguageModelV3Usage } | undefined;
  failed = false;

  add(part: LanguageModelV3StreamPart, atMs: number): void {
    switch (part.type) {
      case "text-start":
      case "reasoning-start": {
        const block = { type: part.type === "text-start" ? ("text" as const) : ("reasoning" as const), text: "" };
        this.#open.set(`${block.type}:${part.id}`, block);
        this.content.push(block);
        break;
      }
      case "text-delta":
      case "reasoning-delta": {
        const kind = part.type === "text-delta" ? "text" : "reasoning";
        const block = this.#open.get(`${kind}:${part.id}`);
        if (block) block.text += part.delta;
        this.fragments.push(recordedFragment(atMs, kind === "text" ? "text" : "thinking", part.delta));
        break;
      }
      case "tool-call":
        this.content.push(part);
        break;
      case "finish":
        this.finish = { finishReason: part.finishReason, usage: part.usage };
        break;
      case "error":
        this.failed = true;
        break;
    }
  }
}

/** Appends a newline when the file ends without one (a torn last line), so the next line stands alone. */
function endLine(path: string): void {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  const fd = openSync(path, "r");
  try {
    readSync(fd, last, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  if (last[0] !== 0x0a) appendFileSync(path, "\n");
}

import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { abortableSleep } from "../../runtime/abortable-sleep.js";
import { LlmError, type LlmErrorCategory } from "../llm-error.js";
import type { CallOptions, ModelClient, ModelRequest, ModelResponse, RecordedSteer, ReplayedSession, RequestOrigin } from "../protocol.js";
import type { CassetteCall } from "./cassette-entry.js";
import type { LoadedCassette } from "./cassette-file.js";
import { keyOf } from "./normalize-request.js";
import { describeDivergence } from "./request-diff.js";

export interface CassetteModelOptions {
  /** strict: a miss stops the run. fork: the first miss (or call `forkAt`) goes live. */
  mode: "strict" | "fork";
  /** 1-based call position from which calls go live (fork mode). */
  forkAt?: number;
  /** The live client forked calls go to. */
  live?: ModelClient;
  /**
   * Tell the live client which calls the cassette already answered (`skipCompleted`) when the
   * run forks: for a live client that answers by position from the same script as the recording.
   */
  liveSkipsServed?: boolean;
  /** Called once, when the run forks to live. */
  onFork?: (position: number, reason: string) => void;
  /**
   * recorded: fragments arrive at their recorded offsets and the call takes as long as it did,
   * so concurrent conversations interleave as they did. instant (default): no waiting.
   */
  timing?: "recorded" | "instant";
  /** Injectable wait (tests); default real timers, aborted with the call. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Waits like the recording did; an abort rejects, as a provider call would. */
const realSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await abortableSleep(ms, signal);
  if (signal.aborted) throw new LlmError("aborted", "call aborted");
};

/**
 * Serves model calls from a recorded cassette at zero cost: a call is answered by the next unused
 * recording with the same normalized request, replaying its stream and its answer (or failure).
 */
export class CassetteModel implements ModelClient {
  readonly #byKey = new Map<string, CassetteCall[]>();
  readonly #aliases: Set<string>;
  /** Calls answered from the cassette, so a live client that answers by position can skip them. */
  readonly #served: RequestOrigin[] = [];
  #position = 0;
  #live = false;

  constructor(
    private readonly cassette: LoadedCassette,
    private readonly options: CassetteModelOptions,
  ) {
    for (const call of cassette.calls) {
      const queue = this.#byKey.get(call.key);
      if (queue) queue.push(call);
      else this.#byKey.set(call.key, [call]);
    }
    this.#aliases = new Set(cassette.calls.map((call) => call.request.model));
    if (options.forkAt !== undefined && options.forkAt > cassette.calls.length + 1) {
      throw new LlmError("invalid-request", `--fork-at ${options.forkAt} is beyond the last recorded call (${cassette.calls.length} in ${cassette.path})`);
    }
  }

  get forked(): boolean {
    return this.#live;
  }

  recordedSteers(): readonly RecordedSteer[] {
    return this.cassette.steers.map(({ origin, steerId, text }) => ({ origin, steerId, text }));
  }

  /** The session the cassette was recorded in, when it is a session's own cassette.jsonl with the transcript beside it. */
  replayOf(): ReplayedSession | undefined {
    const sessionDir = dirname(this.cassette.path);
    if (basename(this.cassette.path) !== "cassette.jsonl" || !existsSync(join(sessionDir, "transcript.jsonl"))) return undefined;
    return { sessionDir, sessionId: this.cassette.header.sessionId, strict: this.options.mode === "strict" };
  }

  assertAlias(alias: string): void {
    if (this.options.live) {
      this.options.live.assertAlias(alias);
      return;
    }
    if (this.#aliases.size > 0 && !this.#aliases.has(alias)) {
      throw new LlmError("unknown-alias", `model alias "${alias}" was never used in ${this.cassette.path} (recorded: ${[...this.#aliases].join(", ")})`);
    }
  }

  #goLive(reason: string): ModelClient {
    if (!this.options.live) throw new LlmError("cassette-miss", reason);
    if (!this.#live) {
      this.#live = true;
      if (this.options.liveSkipsServed) this.options.live.skipCompleted?.(this.#served);
      this.options.onFork?.(this.#position, reason);
    }
    return this.options.live;
  }

  async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
    const position = ++this.#position;
    if (this.#live) return this.options.live!.call(request, options);
    if (this.options.mode === "fork" && this.options.forkAt !== undefined && position >= this.options.forkAt) {
      return this.#goLive(`--fork-at ${this.options.forkAt}`).call(request, options);
    }
    const { normalized, key } = keyOf(request);
    const recorded = this.#byKey.get(key)?.shift();
    if (!recorded) {
      const why = describeDivergence(this.cassette.calls, normalized, request.origin, position);
      if (this.options.mode === "strict") throw new LlmError("cassette-miss", why);
      return this.#goLive(why).call(request, options);
    }
    this.#served.push(request.origin);
    if (this.options.timing === "recorded") return this.#replayTimed(recorded, options);
    return replay(recorded, options);
  }

  async #replayTimed(recorded: CassetteCall, options: CallOptions): Promise<ModelResponse> {
    const sleep = this.options.sleep ?? realSleep;
    let at = 0;
    for (const fragment of recorded.stream) {
      if (fragment.atMs > at) await sleep(fragment.atMs - at, options.signal);
      at = Math.max(at, fragment.atMs);
      options.onDelta?.({ kind: fragment.kind, text: fragment.text });
    }
    if (recorded.elapsedMs > at) await sleep(recorded.elapsedMs - at, options.signal);
    return replay({ ...recorded, stream: [] }, options);
  }
}

function replay(recorded: CassetteCall, options: CallOptions): ModelResponse {
  if (options.signal.aborted) throw new LlmError("aborted", "call aborted");
  for (const fragment of recorded.stream) options.onDelta?.({ kind: fragment.kind, text: fragment.text });
  if (recorded.error) {
    throw new LlmError(recorded.error.category as LlmErrorCategory, recorded.error.message, {
      ...(recorded.error.status === undefined ? {} : { status: recorded.error.status }),
    });
  }
  return recorded.response!;
}

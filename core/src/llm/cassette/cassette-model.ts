import { LlmError, type LlmErrorCategory } from "../llm-error.js";
import type { CallOptions, ModelClient, ModelRequest, ModelResponse } from "../protocol.js";
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
  /** Called once, when the run forks to live. */
  onFork?: (position: number, reason: string) => void;
}

/**
 * Serves model calls from a recorded cassette at zero cost: a call is answered by the next unused
 * recording with the same normalized request, replaying its stream and its answer (or failure).
 */
export class CassetteModel implements ModelClient {
  readonly #byKey = new Map<string, CassetteCall[]>();
  readonly #aliases: Set<string>;
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
    return replay(recorded, options);
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

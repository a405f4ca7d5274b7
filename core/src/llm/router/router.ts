/**
 * The model router: a `ModelClient` over concrete provider targets. It resolves an alias (plus the
 * request's fallback aliases) to an ordered chain of targets, filters them by the request's needs,
 * and serves the call with retries, failover, a first-token cap, overrun handling and metrics.
 * Time, waiting and randomness are injected, so every path is testable without real timers.
 */
import { lookupModel, type Catalog } from "../catalog/catalog.js";
import { filterTargets, type Needs } from "../catalog/needs.js";
import { LlmError, isLlmError, type LlmAttempt } from "../llm-error.js";
import type { ModelLayerEventListener } from "../model-layer-event.js";
import type { CallOptions, ContentBlock, ModelClient, ModelRequest, ModelResponse, TargetClient, Usage } from "../protocol.js";
import type { SentRequest } from "../providers/middleware.js";
import { targetId, type ModelTarget } from "../target.js";
import { backoffDelay } from "./backoff.js";
import { addUsage, contextUsed, costOf, defaultCostUsd, type CostFunction, type TargetFacts } from "./metrics.js";
import { ResiliencePolicyError, parseResiliencePolicy, resolveResilience, type ResiliencePolicy, type ResolvedResilience } from "./policy.js";
import { StreamGuard } from "./stream-guard.js";
import { abortableSleep } from "../../runtime/abortable-sleep.js";
import type { Clock } from "../../runtime/clock.js";

/** Resolves after `ms`, or early once `signal` aborts (it may also reject then). */
export type RouterSleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * The needs filter: which targets can serve this request (context size, vision, tool calling, ...).
 * The router keeps its own order and only drops what `eligible` leaves out. By default it is the
 * catalog's `filterTargets(targets, needs, catalog, {strict, alias})`, whose `policyEmpty` (failed
 * open) and `error` (failed closed) the router reports; a filter without them that leaves nothing
 * gets the same treatment by `strict`. Public as `NeedsGate`, and the router's option `gate`.
 */
export type NeedsFilter = (
  targets: readonly ModelTarget[],
  request: ModelRequest,
) => { eligible: readonly ModelTarget[]; rejected?: readonly unknown[]; policyEmpty?: boolean; error?: LlmError };

export interface ModelRouterOptions {
  /** Alias -> ordered targets, as the project config lists them. */
  aliases: Readonly<Record<string, readonly ModelTarget[]>>;
  /** Builds the client of one target (called once per target, then cached). */
  connect: (target: ModelTarget) => TargetClient;
  /** The run's model catalog: the default source of facts, prices and the needs filter's facts. */
  catalog?: Catalog;
  /** Facts of a target (context window, price). Default: `lookupModel(catalog, target)`. */
  facts?: (target: ModelTarget) => TargetFacts | undefined;
  /** Prices a usage with a target's facts. Default: the catalog's `costUsd`. */
  costUsd?: CostFunction;
  /** What every call needs of its model, or a function of the request. Needs `catalog` (or `gate`). */
  needs?: Needs | ((request: ModelRequest) => Needs | undefined);
  /** A custom needs filter, replacing `needs` + `catalog`. */
  gate?: NeedsFilter;
  /** `eligibilityStrict`: when the needs filter leaves no target, fail the call (true) or use the whole chain (false, default). */
  strict?: boolean;
  /**
   * Aliases in order of preference (config `preferences`): the aliases `electModel` tries when
   * given none, and the failover order after a request's own aliases under `failover: "preferences"`.
   */
  preferences?: readonly string[];
  /** Alias -> free-form scores (config `ratings`): `electModel`'s `rankBy` orders candidates by one. */
  ratings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The router's resilience defaults; a request's `resilience` overrides them per section. */
  resilience?: ResiliencePolicy;
  /** Measures spans only (latency, cooldowns): any monotonic scale. Default: `performance.now()`. */
  clock?: Pick<Clock, "now">;
  sleep?: RouterSleep;
  /** A number in [0, 1): the backoff jitter. */
  random?: () => number;
}

export interface ModelRouter extends ModelClient {
  /** Aliases served, in config order. */
  readonly aliases: readonly string[];
  /** Aliases in order of preference (the `preferences` option; empty without it). */
  readonly preferences: readonly string[];
  /** Alias -> scores (the `ratings` option; empty without it). */
  readonly ratings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The ordered chain a request would try (aliases resolved, deduplicated, filtered by needs), before cooldowns. */
  chainOf(request: ModelRequest): ModelTarget[];
}

export const realSleep: RouterSleep = abortableSleep;

const monotonicClock: Pick<Clock, "now"> = { now: () => performance.now() };

export function createModelRouter(options: ModelRouterOptions): ModelRouter {
  return new Router(options);
}

interface Served {
  response: ModelResponse;
  target: ModelTarget;
}

type Outcome = { kind: "ok"; response: ModelResponse } | { kind: "error"; error: LlmError } | { kind: "slow"; waitedMs: number } | { kind: "timer" };

class Router implements ModelRouter {
  readonly aliases: readonly string[];
  readonly preferences: readonly string[];
  readonly ratings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly #options: ModelRouterOptions;
  readonly #defaults: ResiliencePolicy | undefined;
  readonly clock: Pick<Clock, "now">;
  readonly sleep: RouterSleep;
  readonly random: () => number;
  readonly #clients = new Map<string, TargetClient>();
  readonly #downUntil = new Map<string, number>();
  readonly #policies = new WeakMap<object, ResolvedResilience>();
  readonly #baseline: ResolvedResilience;
  readonly #needsFilter: NeedsFilter | undefined;
  readonly #facts: ((target: ModelTarget) => TargetFacts | undefined) | undefined;

  constructor(options: ModelRouterOptions) {
    this.#options = options;
    this.aliases = Object.keys(options.aliases);
    this.preferences = [...(options.preferences ?? [])];
    this.ratings = options.ratings ?? {};
    this.#defaults = options.resilience === undefined ? undefined : parseResiliencePolicy(options.resilience, "router resilience");
    this.#baseline = resolveResilience(this.#defaults);
    this.#needsFilter = options.gate ?? catalogNeedsFilter(options);
    this.#facts =
      options.facts ??
      (options.catalog
        ? (
            (catalog) => (target: ModelTarget) =>
              lookupModel(catalog, target)
          )(options.catalog)
        : undefined);
    this.clock = options.clock ?? monotonicClock;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  assertAlias(alias: string): void {
    const targets = Object.hasOwn(this.#options.aliases, alias) ? this.#options.aliases[alias] : undefined;
    if (targets === undefined) {
      throw new LlmError("unknown-alias", `unknown model alias ${JSON.stringify(alias)}; known aliases: ${this.aliases.join(", ") || "(none)"}`);
    }
    if (targets.length === 0) throw new LlmError("unknown-alias", `model alias ${JSON.stringify(alias)} lists no targets`);
  }

  chainOf(request: ModelRequest): ModelTarget[] {
    return this.#chain(request, this.#policyOf(request), () => {});
  }

  async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
    const started = this.clock.now();
    const emit: ModelLayerEventListener = (event, data) => options.onEvent?.(event, data);
    const policy = this.#policyOf(request);
    const chain = this.#chain(request, policy, emit);
    if (options.signal.aborted) throw new LlmError("aborted", "model call aborted before it started", { cause: options.signal.reason });
    return new CallRun(this, request, options, policy, chain, started).run();
  }

  /** Validates and resolves the request's policy (cached per policy object). */
  #policyOf(request: ModelRequest): ResolvedResilience {
    const raw = request.resilience as unknown;
    if (raw === undefined || raw === null) return this.#baseline;
    if (typeof raw === "object") {
      const cached = this.#policies.get(raw);
      if (cached) return cached;
    }
    let resolved: ResolvedResilience;
    try {
      resolved = resolveResilience(this.#defaults, parseResiliencePolicy(raw));
    } catch (error) {
      if (error instanceof ResiliencePolicyError) throw new LlmError("invalid-request", error.message, { cause: error });
      throw error;
    }
    if (typeof raw === "object") this.#policies.set(raw, resolved);
    return resolved;
  }

  #chain(request: ModelRequest, policy: ResolvedResilience, emit: ModelLayerEventListener): ModelTarget[] {
    const asked = request.models === undefined ? [request.model] : [request.model, ...request.models];
    for (const alias of asked) this.assertAlias(alias);
    // Under `failover: "preferences"` the preferred aliases follow the request's own, in order.
    const aliases = policy.failover === "preferences" ? [...asked, ...this.preferences.filter((alias) => !asked.includes(alias))] : asked;
    const chain: ModelTarget[] = [];
    const seen = new Set<string>();
    for (const alias of aliases) {
      if (!Object.hasOwn(this.#options.aliases, alias)) continue;
      for (const target of this.#options.aliases[alias]!) {
        const id = targetId(target);
        if (seen.has(id)) continue;
        seen.add(id);
        chain.push(target);
      }
    }
    const needsFilter = this.#needsFilter;
    if (!needsFilter) return chain;
    const result = needsFilter(chain, request);
    const strict = this.#options.strict ?? false;
    if (result.error) {
      emit("llm/model-policy-empty", { alias: request.model, strict: true, rejected: describeRejected(result.rejected, chain) });
      throw result.error;
    }
    const kept = new Set(result.eligible.map(targetId));
    const filtered = chain.filter((target) => kept.has(targetId(target)));
    if (filtered.length > 0 && !result.policyEmpty) return filtered;
    emit("llm/model-policy-empty", { alias: request.model, strict, rejected: describeRejected(result.rejected, chain) });
    if (strict && !result.policyEmpty) {
      throw new LlmError(
        "invalid-request",
        `no target of model alias ${JSON.stringify(request.model)} meets this request's needs: ${describeRejected(result.rejected, chain).join("; ")}`,
      );
    }
    return chain;
  }

  /** Filters extra targets (latency fallbacks) by needs, without the policy-empty rule. */
  keepEligible(targets: readonly ModelTarget[], request: ModelRequest): ModelTarget[] {
    const needsFilter = this.#needsFilter;
    if (!needsFilter || targets.length === 0) return [...targets];
    const kept = new Set(needsFilter(targets, request).eligible.map(targetId));
    return targets.filter((target) => kept.has(targetId(target)));
  }

  client(target: ModelTarget): TargetClient {
    const key = clientKey(target);
    let client = this.#clients.get(key);
    if (!client) {
      client = this.#options.connect(target);
      this.#clients.set(key, client);
    }
    return client;
  }

  facts(target: ModelTarget): TargetFacts | undefined {
    return this.#facts?.(target);
  }

  get price(): CostFunction {
    return this.#options.costUsd ?? defaultCostUsd;
  }

  /** The chain minus targets cooling down (all of it if every target is cooling). */
  available(chain: readonly ModelTarget[], policy: ResolvedResilience): ModelTarget[] {
    const now = this.clock.now();
    let usable = chain.filter((target) => (this.#downUntil.get(targetId(target)) ?? -Infinity) <= now);
    if (usable.length === 0) usable = [...chain];
    return policy.failover ? usable : usable.slice(0, 1);
  }

  coolDown(id: string, ms: number): void {
    if (ms <= 0) return;
    this.#downUntil.set(id, this.clock.now() + ms);
  }
}

const clientKey = (target: ModelTarget): string =>
  Object.keys(target).length === 2 ? targetId(target) : JSON.stringify(Object.entries(target).sort(([a], [b]) => a.localeCompare(b)));

/** The catalog's needs filter over the router's `needs`, when it has both. */
function catalogNeedsFilter(options: ModelRouterOptions): NeedsFilter | undefined {
  const { needs, catalog } = options;
  if (needs === undefined) return undefined;
  if (!catalog) throw new Error("createModelRouter: `needs` needs a `catalog` (or pass a `gate`)");
  const strict = options.strict ?? false;
  return (targets, request) => {
    const wanted = typeof needs === "function" ? needs(request) : needs;
    if (wanted === undefined) return { eligible: targets };
    return filterTargets(targets, wanted, catalog, { strict, alias: request.model });
  };
}

function describeRejected(rejected: readonly unknown[] | undefined, chain: readonly ModelTarget[]): string[] {
  if (!rejected || rejected.length === 0) return chain.map((target) => `${targetId(target)}: not eligible`);
  return rejected.map((entry) => {
    if (typeof entry === "string") return entry;
    if (entry && typeof entry === "object") {
      const record = entry as { target?: ModelTarget | string; reason?: unknown; reasons?: unknown };
      const name = typeof record.target === "string" ? record.target : record.target ? targetId(record.target) : "target";
      const why = Array.isArray(record.reasons) ? record.reasons.join(", ") : record.reason !== undefined ? String(record.reason) : "not eligible";
      return `${name}: ${why}`;
    }
    return String(entry);
  });
}

const round = (value: number): number => Math.round(value);
/** Reason for stopping a first-token timer: a plain value, so no DOMException (and stack) is built per call. */
const timerDone = "first-token timer done";
const roundCost = (value: number): number => Math.round(value * 1e9) / 1e9;

const blocksText = (content: readonly ContentBlock[]): string => {
  let text = "";
  for (const block of content) if (block.type === "text") text += block.text;
  return text;
};

/** One `call()`: every try it makes shares the stream guard, the attempt log and the bill. */
class CallRun {
  readonly #attempts: LlmAttempt[] = [];
  readonly #guard: StreamGuard;
  readonly #emit: ModelLayerEventListener;
  #paid: number | undefined;
  #firstTokenAt: number | undefined;
  #current = "";

  constructor(
    private readonly router: Router,
    private readonly request: ModelRequest,
    private readonly options: CallOptions,
    private readonly policy: ResolvedResilience,
    private readonly chain: readonly ModelTarget[],
    private readonly started: number,
  ) {
    this.#emit = (event, data) => options.onEvent?.(event, data);
    const onDelta = options.onDelta;
    this.#guard = new StreamGuard(onDelta, (kind, emittedChars) => this.#emit("llm/stream-diverged", { target: this.#current, kind, emittedChars }));
  }

  async run(): Promise<ModelResponse> {
    if (this.policy.overrun) return this.#overrun(this.policy.overrun);
    if (this.policy.continuation && this.policy.continuation.maxSegments > 1) return this.#continue(this.policy.continuation.maxSegments);
    const served = await this.#serve(this.request, {});
    return this.#finish(served.response, served.target);
  }

  /** Re-runs the turn after a `max_tokens` stop, optionally warmer; then truncates or fails. */
  async #overrun(overrun: NonNullable<ResolvedResilience["overrun"]>): Promise<ModelResponse> {
    let request = this.request;
    let baseTemperature: number | undefined;
    for (let run = 1; ; run++) {
      const runStarted = this.router.clock.now();
      const served = await this.#serve(request, {});
      const { response, target } = served;
      if (response.stopReason !== "max_tokens") return this.#finish(response, target);
      const id = targetId(target);
      this.#attempts.push({ target: id, attempt: run, outcome: "max_tokens", elapsedMs: round(this.router.clock.now() - runStarted) });
      if (run > overrun.retries) {
        this.#emit("llm/overrun", { attempt: run, action: overrun.onExhausted, target: id });
        if (overrun.onExhausted === "fail") {
          throw new LlmError("overrun", `the reply was cut off at max_tokens ${run} time(s) (${overrun.retries} re-run(s) allowed); last target ${id}`, {
            attempts: [...this.#attempts],
          });
        }
        return this.#finish(response, target);
      }
      let temperature: number | undefined;
      if (overrun.temperatureBump > 0) {
        baseTemperature ??= this.request.params.temperature ?? target.temperature ?? 0;
        temperature = Math.min(overrun.maxTemperature, round2(baseTemperature + overrun.temperatureBump * run));
      }
      this.#emit("llm/overrun", { attempt: run, action: "rerun", target: id, ...(temperature === undefined ? {} : { temperature }) });
      request = temperature === undefined ? this.request : { ...this.request, params: { ...this.request.params, temperature } };
    }
  }

  /**
   * Stitches a reply cut off at `max_tokens`: re-issues the request with the text so far as a
   * prefilled assistant message and appends what comes back. Stops when a segment ends on its own,
   * carries tool calls (a cut-off call cannot be continued), adds no text, or `maxSegments` is reached.
   */
  async #continue(maxSegments: number): Promise<ModelResponse> {
    let text = "";
    let usage: Usage | undefined;
    const thinking: ContentBlock[] = [];
    let last: Served | undefined;
    let segments = 0;
    for (let segment = 1; ; segment++) {
      const request = segment === 1 ? this.request : withPrefill(this.request, text);
      const served = await this.#serve(request, segment === 1 ? {} : { text, thinking: this.#guard.emitted("thinking") });
      segments = segment;
      last = served;
      const { response, target } = served;
      usage = usage ? addUsage(usage, response.usage) : response.usage;
      const added = blocksText(response.content);
      text += added;
      for (const block of response.content) if (block.type === "thinking") thinking.push(block);
      if (response.stopReason !== "max_tokens") break;
      const id = targetId(target);
      const stop = response.content.some((block) => block.type === "tool-call")
        ? "tool-call"
        : added.trim() === ""
          ? "no-progress"
          : segment >= maxSegments
            ? "max-segments"
            : undefined;
      if (stop) {
        this.#emit("llm/overrun", { attempt: segment, action: "truncate", reason: stop, target: id });
        break;
      }
      this.#emit("llm/overrun", { attempt: segment, action: "continue", target: id });
      // A prefilled assistant message may not end in whitespace (Anthropic rejects it); the model
      // writes it again if it wants it, and the stream guard keeps it from streaming twice.
      text = text.trimEnd();
    }
    const final = last;
    if (segments === 1) return this.#finish(final.response, final.target);
    const rest = final.response.content.filter((block) => block.type !== "text" && block.type !== "thinking");
    const content: ContentBlock[] = [...thinking, ...(text === "" ? [] : [{ type: "text" as const, text }]), ...rest];
    return this.#finish({ ...final.response, content, usage: usage }, final.target, final.response.usage);
  }

  /** Serves one request over the chain: retries, failover, latency switches. */
  async #serve(request: ModelRequest, base: { text?: string; thinking?: string }): Promise<Served> {
    const { policy, router } = this;
    const signal = this.options.signal;
    const queue = router.available(this.chain, policy);
    const tried = new Set<string>();
    let fallback = policy.latency && policy.latency.fallback.length > 0 ? router.keepEligible(policy.latency.fallback, request) : [];
    let lastError: LlmError | undefined;
    let lastTarget = "";
    while (queue.length > 0) {
      const target = queue.shift()!;
      const id = targetId(target);
      tried.add(id);
      fallback = fallback.filter((candidate) => !tried.has(targetId(candidate)));
      let client: TargetClient;
      try {
        client = router.client(target);
      } catch (error) {
        // A target that cannot even be built (no credential, unknown provider) is down, not flaky.
        const cause = isLlmError(error) ? error : undefined;
        lastError = new LlmError(cause?.category ?? "auth", `cannot connect to ${id}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
        lastTarget = id;
        this.#attempts.push({ target: id, attempt: 1, outcome: "error", category: lastError.category, message: lastError.message, elapsedMs: 0 });
        this.#emit("llm/model-down", { target: id, category: lastError.category });
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        this.#throwIfAborted();
        const nextIfSlow = fallback[0] ?? queue[0];
        const cap = policy.latency && request.stream && nextIfSlow ? policy.latency.firstTokenMs : undefined;
        const t0 = router.clock.now();
        const outcome = await this.#try(client, id, request, base, cap);
        const elapsedMs = round(router.clock.now() - t0);
        if (outcome.kind === "ok") {
          this.#pay(outcome.response, target);
          return { response: outcome.response, target };
        }
        if (outcome.kind === "slow") {
          this.#attempts.push({ target: id, attempt, outcome: "slow", category: "timeout", elapsedMs });
          if (fallback.length > 0) {
            const fast = new Set(fallback.map(targetId));
            const rest = queue.filter((candidate) => !fast.has(targetId(candidate)));
            queue.splice(0, queue.length, ...fallback, ...rest);
          }
          this.#emit("llm/latency-switch", { from: id, to: targetId(queue[0]!), waitedMs: round(outcome.waitedMs) });
          break;
        }
        if (outcome.kind !== "error") throw new Error("unreachable");
        const error = outcome.error;
        if (signal.aborted) throw this.#abortError(error);
        this.#attempts.push({ target: id, attempt, outcome: "error", category: error.category, message: error.message, elapsedMs });
        lastError = error;
        lastTarget = id;
        if (error.transient && attempt < policy.retry.maxAttempts) {
          const delayMs = backoffDelay(attempt, policy.retry, router.random, error.retryAfterMs);
          if (delayMs !== undefined) {
            this.#emit("llm/retry", { attempt: attempt + 1, category: error.category, delayMs, target: id });
            await router.sleep(delayMs, signal);
            continue;
          }
        }
        if (error.transient || error.category === "auth") {
          router.coolDown(id, Math.max(policy.cooldownMs, error.retryAfterMs ?? 0));
        }
        this.#emit("llm/model-down", { target: id, category: error.category });
        break;
      }
    }
    this.#throwIfAborted();
    const last = lastError ?? new LlmError("transport", "no target answered");
    const attempts = [...this.#attempts];
    const message =
      attempts.length <= 1
        ? last.message
        : `model alias ${JSON.stringify(this.request.model)}: ${attempts.length} tries on ${tried.size} target(s) failed ` +
          `(${attempts.map((a) => `${a.target}#${a.attempt} ${a.category ?? a.outcome}`).join(", ")}); last, from ${lastTarget}: ${last.message}`;
    throw new LlmError(last.category, message, {
      ...(last.status === undefined ? {} : { status: last.status }),
      ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
      cause: last,
      attempts,
    });
  }

  /** One try of one target, raced against the first-token cap and the caller's abort. */
  async #try(client: TargetClient, id: string, request: ModelRequest, base: { text?: string; thinking?: string }, capMs: number | undefined): Promise<Outcome> {
    const { router } = this;
    const outer = this.options.signal;
    this.#current = id;
    const controller = new AbortController();
    const relay = (): void => controller.abort(outer.reason);
    outer.addEventListener("abort", relay, { once: true });
    let stopAbortWatch = (): void => {};
    const aborted = new Promise<Outcome>((resolve) => {
      const onAbort = (): void => resolve({ kind: "error", error: new LlmError("aborted", "model call aborted", { cause: outer.reason }) });
      outer.addEventListener("abort", onAbort, { once: true });
      stopAbortWatch = () => outer.removeEventListener("abort", onAbort);
    });
    const stream = this.#guard.begin(base);
    const started = router.clock.now();
    let firstAt: number | undefined;
    const timer = capMs === undefined ? undefined : new AbortController();
    // A try given up on (too slow to start) may still send late: what it sent is not the call's.
    const onSent = this.options.onSent;
    try {
      let pending: Promise<ModelResponse>;
      try {
        const first = (): void => {
          if (firstAt !== undefined) return;
          firstAt = router.clock.now();
          timer?.abort(timerDone);
          this.#firstToken(firstAt);
        };
        pending = client.call(request, {
          signal: controller.signal,
          onDelta: (delta) => {
            if (!stream.live) return;
            first();
            stream.push(delta);
          },
          onFirstToken: () => {
            if (stream.live) first();
          },
          ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
          ...(this.options.middleware ? { middleware: this.options.middleware } : {}),
          ...(onSent
            ? {
                onSent: (sent: SentRequest) => {
                  if (!controller.signal.aborted) onSent(sent);
                },
              }
            : {}),
        });
      } catch (error) {
        pending = Promise.reject(error);
      }
      const settled = pending.then(
        (response): Outcome => ({ kind: "ok", response }),
        (error: unknown): Outcome => ({ kind: "error", error: this.#categorize(error, id) }),
      );
      if (timer === undefined) return await Promise.race([settled, aborted]);
      const tick = router.sleep(capMs!, timer.signal).then(
        (): Outcome => ({ kind: "timer" }),
        (): Outcome => ({ kind: "timer" }),
      );
      const first = await Promise.race([settled, aborted, tick]);
      if (first.kind !== "timer") return first;
      if (firstAt !== undefined || outer.aborted) return await Promise.race([settled, aborted]);
      stream.close();
      controller.abort(new LlmError("timeout", `no first token from ${id} within ${capMs} ms`));
      return { kind: "slow", waitedMs: router.clock.now() - started };
    } finally {
      timer?.abort(timerDone);
      stream.close();
      outer.removeEventListener("abort", relay);
      stopAbortWatch();
    }
  }

  /** The call's first token (of any try): reported once, measured from the start of `call()`. */
  #firstToken(at: number): void {
    if (this.#firstTokenAt !== undefined) return;
    this.#firstTokenAt = at;
    this.options.onFirstToken?.(Math.max(0, at - this.started));
  }

  #categorize(error: unknown, id: string): LlmError {
    if (isLlmError(error)) return error;
    if (this.options.signal.aborted) return new LlmError("aborted", "model call aborted", { cause: error });
    return new LlmError("transport", `${id}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }

  #abortError(cause: unknown): LlmError {
    return new LlmError("aborted", "model call aborted", { cause: this.options.signal.reason ?? cause, attempts: [...this.#attempts] });
  }

  #throwIfAborted(): void {
    if (this.options.signal.aborted) throw this.#abortError(undefined);
  }

  #pay(response: ModelResponse, target: ModelTarget): void {
    const cost = costOf(response.usage, this.router.facts(target), this.router.price);
    if (cost !== undefined) this.#paid = (this.#paid ?? 0) + cost;
  }

  /** Metrics on the way out: what the call cost, how full the window is, when the first token came. */
  #finish(response: ModelResponse, target: ModelTarget, contextUsage: Usage = response.usage): ModelResponse {
    const facts = this.router.facts(target);
    const used = contextUsed(contextUsage, facts);
    if (used !== undefined && used >= this.policy.contextWarning) {
      this.#emit("llm/context-warning", { used, target: targetId(target), contextWindow: facts!.contextWindow! });
    }
    const out: ModelResponse = { ...response };
    if (this.#paid !== undefined) out.costUsd = roundCost(this.#paid);
    if (used !== undefined) out.contextUsed = used;
    if (this.#firstTokenAt !== undefined) out.ttftMs = Math.max(0, this.#firstTokenAt - this.started);
    return out;
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The request with `text` as the start of the assistant's reply (a prefill). */
function withPrefill(request: ModelRequest, text: string): ModelRequest {
  const messages = [...request.messages];
  const last = messages[messages.length - 1];
  if (last?.role === "assistant") messages[messages.length - 1] = { role: "assistant", content: [...last.content, { type: "text", text }] };
  else messages.push({ role: "assistant", content: [{ type: "text", text }] });
  return { ...request, messages };
}

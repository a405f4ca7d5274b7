import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from "xstate";
import type { GenerationParams } from "../llm/generation-params.js";
import type { ModelMessage } from "../llm/protocol.js";
import type { Needs } from "../llm/catalog/needs.js";
import { LlmError, type LlmAttempt } from "../llm/llm-error.js";
import type { LoopDetail } from "../llm/cassette/loop-guard.js";
import type { EventDataWith } from "../runtime/event-data-with.js";
import { parseResiliencePolicy } from "../llm/router/policy.js";
import { askWithdrawable } from "./human-input.js";
import type { AllowedEvents } from "./event-tools.js";
import { eventTools } from "./event-tools.js";
import type { ConversationEvent, ConversationState } from "./conversation-state.js";
import { userText } from "./conversation-state.js";
import { conversationTransition } from "./conversation-transition.js";
import { errorEventOf, runTurn, type ChartEvent } from "./conversation-turn.js";
import { resolveToolDispatch, toolDispatchProblems, type ToolDispatchSettings } from "../tools/tool-dispatch-settings.js";
import type { ConversationToolHost } from "./conversation-tools.js";
import { owningStatePath } from "./owning-state.js";
import { parentOf } from "../runtime/xstate-internals.js";
import { resolveParam, type Param, type ParamArgs } from "./param.js";
import { runServicesOf, withModel, type RunServices } from "../engine/run-services.js";
import { rulesProblem } from "../engine/run-permissions.js";
import type { PermissionRules } from "../permissions/index.js";
import { interruptibleModel } from "../debug/interruptible-model.js";
import { withCallMiddleware } from "../llm/call-middleware.js";
import type { ModelMiddleware } from "../llm/providers/middleware.js";
import { compactionProblems, resolveCompaction, type CompactionParam } from "./compaction.js";
import { Compactor } from "./compaction-step.js";
import { markConversationLogic } from "../engine/conversation-actors.js";
import { deliverSteering } from "./steer-delivery.js";

/** Parameters of a conversation bound to a state. Each is a literal or a function of the chart context. */
export interface ConversationParams<TContext = any> {
  /** Invoke id; also the target other conversations and `tellLlm` use. */
  id: string;
  system?: Param<string, TContext>;
  /** The first user message. */
  message?: Param<string, TContext>;
  initialMessages?: Param<ModelMessage[], TContext>;
  /** An alias keyword from the project config (never a raw model name). Default "default". */
  model?: Param<string, TContext>;
  /** Ordered aliases to fall back through. */
  models?: Param<string[], TContext>;
  /** Whitelist of real tools by name; default every registered tool. */
  realTools?: Param<string[], TContext>;
  /**
   * This conversation's own permission rules (tool -> decision, or tool -> {pattern -> decision}),
   * over the run's: on a tie in specificity they win. See docs/security.md.
   */
  permissions?: Param<PermissionRules, TContext>;
  /** Events the model may send to the chart, each becoming an event tool. */
  allowedEvents?: Param<AllowedEvents, TContext>;
  /** Conversations this one may message with the `message_conversation` tool. */
  peers?: Param<string[], TContext>;
  /** Offer the `ask_human` tool. */
  askHuman?: Param<boolean, TContext>;
  maxTurns?: Param<number, TContext>;
  budgetMs?: Param<number, TContext>;
  /** Parallel-safe tool calls of one model step that run at once (default: the run's, else 4). */
  maxParallelTools?: Param<number, TContext>;
  /** Time a tool call may take before it is aborted (default: the run's, else 120000 ms); a tool's own `timeoutMs` wins. */
  toolTimeoutMs?: Param<number, TContext>;
  /** Per tool name, a timeout over the tool's own and `toolTimeoutMs`. */
  toolTimeouts?: Param<Record<string, number>, TContext>;
  /** The same tool call made this many times in this conversation sends `llm.tool-loop` (default: the run's, else 5); false: off. */
  toolLoopThreshold?: Param<number | false, TContext>;
  onEndTurnEvent?: Param<string, TContext>;
  stream?: Param<boolean, TContext>;
  resilience?: Param<unknown, TContext>;
  temperature?: Param<number, TContext>;
  topP?: Param<number, TContext>;
  maxTokens?: Param<number, TContext>;
  thinking?: Param<GenerationParams["thinking"], TContext>;
  /**
   * What the model must offer, checked against the catalog: a bare value is equality,
   * `[">=", n]` / `["<=", n]` compare (e.g. `{contextWindow: [">=", 100000], vision: true}`).
   * Targets that fall short are skipped without reordering the rest.
   */
  needs?: Param<Needs, TContext>;
  /** Anthropic prompt caching: on by default; `false`, or which breakpoints to set. */
  promptCaching?: Param<GenerationParams["promptCaching"], TContext>;
  /**
   * AI SDK middleware on this conversation's model calls only, on top of the run's (it sees the
   * request first): bare, or `{ name?, aliases?, middleware }`. Not kept in checkpoints: a resumed
   * run resolves it again.
   */
  middleware?: Param<readonly ModelMiddleware[], TContext>;
  /**
   * When older history is replaced by a summary: before a call whose context would pass `at` of the
   * model's window (0 < at <= 1), keeping the last `keepLast` messages (default `{ at: 0.8, keepLast: 8 }`);
   * `alias` writes the summary (default: the conversation's model), `prompt` is its instruction.
   * `false`: never automatically (the `compact` action still compacts).
   */
  compaction?: Param<CompactionParam, TContext>;
}

export interface ConversationInput {
  state: Omit<ConversationState, "invokeId" | "stateId">;
  allowedEvents: AllowedEvents;
  middleware?: readonly ModelMiddleware[];
}

export type ConversationSnapshot = Snapshot<undefined> & { context: ConversationState };

export const defaultMaxTurns = 50;

/** Binds an LLM conversation to the state that invokes it: `invoke: converse({...})`. */
export function converse<TContext>(params: ConversationParams<TContext>) {
  const resolveEvents = (args: ParamArgs<TContext>): AllowedEvents => resolveParam(params.allowedEvents, args) ?? {};
  const resolveMiddleware = (args: ParamArgs<TContext>) => resolveParam(params.middleware, args);
  return {
    id: params.id,
    src: conversationLogic(resolveEvents, resolveMiddleware),
    input: (args: ParamArgs<TContext>): ConversationInput => {
      const allowedEvents = resolveEvents(args);
      const middleware = resolveMiddleware(args);
      const model = resolveParam(params.model, args) ?? resolveParam(params.models, args)?.[0] ?? "default";
      const message = resolveParam(params.message, args);
      const messages = [...(resolveParam(params.initialMessages, args) ?? []), ...(message === undefined ? [] : [userText(message)])];
      const gen: GenerationParams = {};
      const temperature = resolveParam(params.temperature, args);
      const topP = resolveParam(params.topP, args);
      const maxTokens = resolveParam(params.maxTokens, args);
      const thinking = resolveParam(params.thinking, args);
      if (temperature !== undefined) gen.temperature = temperature;
      if (topP !== undefined) gen.topP = topP;
      if (maxTokens !== undefined) gen.maxTokens = maxTokens;
      if (thinking !== undefined) gen.thinking = thinking;
      const promptCaching = resolveParam(params.promptCaching, args);
      if (promptCaching !== undefined) gen.promptCaching = promptCaching;
      const system = resolveParam(params.system, args);
      const budgetMs = resolveParam(params.budgetMs, args);
      const needs = resolveParam(params.needs, args);
      const permissions = resolveParam(params.permissions, args);
      const compaction = resolveCompaction(resolveParam(params.compaction, args));
      const toolDispatch: Partial<ToolDispatchSettings> = {};
      const maxParallelTools = resolveParam(params.maxParallelTools, args);
      const toolTimeoutMs = resolveParam(params.toolTimeoutMs, args);
      const toolTimeouts = resolveParam(params.toolTimeouts, args);
      const toolLoopThreshold = resolveParam(params.toolLoopThreshold, args);
      if (maxParallelTools !== undefined) toolDispatch.maxParallelTools = maxParallelTools;
      if (toolTimeoutMs !== undefined) toolDispatch.toolTimeoutMs = toolTimeoutMs;
      if (toolTimeouts !== undefined) toolDispatch.toolTimeouts = toolTimeouts;
      if (toolLoopThreshold !== undefined) toolDispatch.toolLoopThreshold = toolLoopThreshold;
      return {
        allowedEvents,
        ...(middleware === undefined ? {} : { middleware }),
        state: {
          model,
          models: resolveParam(params.models, args) ?? [model],
          ...(system === undefined ? {} : { system }),
          realTools: resolveParam(params.realTools, args) ?? ["*"],
          ...(permissions === undefined ? {} : { permissions }),
          eventTools: eventTools(allowedEvents),
          peers: resolveParam(params.peers, args) ?? [],
          askHuman: resolveParam(params.askHuman, args) ?? false,
          maxTurns: resolveParam(params.maxTurns, args) ?? defaultMaxTurns,
          ...(budgetMs === undefined ? {} : { budgetMs }),
          ...(Object.keys(toolDispatch).length === 0 ? {} : { toolDispatch }),
          onEndTurnEvent: resolveParam(params.onEndTurnEvent, args) ?? "llm.idle",
          stream: resolveParam(params.stream, args) ?? true,
          params: gen,
          resilience: resolveParam(params.resilience, args),
          ...(needs === undefined ? {} : { needs }),
          messages,
          turn: 0,
          phase: messages.length > 0 ? "calling" : "idle",
          inbox: [],
          validationStrikes: 0,
          compaction,
        },
      };
    },
  };
}

type Logic = ActorLogic<ConversationSnapshot, ConversationEvent | EventObject, ConversationInput, ActorSystem<any>>;

/** The actor behind `converse`: pure transitions plus a driver that runs turns while the state is active. */
export function conversationLogic(
  resolveEvents: (args: ParamArgs<any>) => AllowedEvents,
  resolveMiddleware: (args: ParamArgs<any>) => readonly ModelMiddleware[] | undefined = () => undefined,
): Logic {
  const drivers = new WeakMap<AnyActorRef, ConversationDriver>();
  const events = new WeakMap<AnyActorRef, AllowedEvents>();
  const middlewares = new WeakMap<AnyActorRef, { list: readonly ModelMiddleware[] | undefined }>();
  const resumeArgs = (self: AnyActorRef): ParamArgs<any> => {
    const parentSnapshot = parentOf(self)?.getSnapshot() as { context?: unknown } | undefined;
    return { context: parentSnapshot?.context, event: { type: "escapement.resume" } };
  };
  const eventsOf = (self: AnyActorRef): AllowedEvents => {
    let allowed = events.get(self);
    if (!allowed) {
      // After a restore the zod schemas are not in the persisted state: resolve them again.
      allowed = resolveEvents(resumeArgs(self));
      events.set(self, allowed);
    }
    return allowed;
  };
  // Middleware (functions) is not persisted either: resolved again after a restore, at the first call.
  const middlewareOf = (self: AnyActorRef): readonly ModelMiddleware[] | undefined => {
    let held = middlewares.get(self);
    if (!held) {
      held = { list: resolveMiddleware(resumeArgs(self)) };
      middlewares.set(self, held);
    }
    return held.list;
  };
  const logic: Logic = {
    config: resolveEvents,
    getInitialSnapshot(scope, input) {
      // Services are not bound yet (children are created inside the root's constructor): no lookups here.
      events.set(scope.self, input.allowedEvents);
      middlewares.set(scope.self, { list: input.middleware });
      return {
        status: "active",
        output: undefined,
        error: undefined,
        context: { ...input.state, invokeId: scope.self.id, stateId: owningStatePath(scope.self) },
      };
    },
    transition(snapshot, event, scope) {
      if (event.type === "xstate.stop") {
        drivers.get(scope.self)?.stop();
        return { ...snapshot, status: "stopped" } as ConversationSnapshot;
      }
      if (snapshot.status !== "active") return snapshot;
      const known = event.type === "llm.tell" || event.type.startsWith("escapement.");
      if (!known) return snapshot;
      const context = conversationTransition(snapshot.context, event as ConversationEvent);
      if (event.type === "llm.tell" && context.phase === "calling") scope.defer(() => drivers.get(scope.self)?.wake());
      // An idle conversation compacts as soon as the chart asks.
      if (event.type === "escapement.compact-requested") scope.defer(() => drivers.get(scope.self)?.wake());
      return { ...snapshot, context };
    },
    start(snapshot, scope) {
      if (snapshot.status !== "active") return;
      const services = runServicesOf(scope.system);
      const problem = unknownNamesProblem(snapshot.context, services);
      if (problem) {
        services.fail(problem.category, problem.message);
        return;
      }
      const model = withCallMiddleware(services.model, snapshot.context.invokeId, () => middlewareOf(scope.self));
      const driver = new ConversationDriver(scope.self, withModel(services, model), () => eventsOf(scope.self));
      drivers.set(scope.self, driver);
      void driver.run();
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (persisted) => persisted as ConversationSnapshot,
  };
  // Marked, so the engine finds the run's conversations (steering) by id.
  return markConversationLogic(logic);
}

/** An unknown alias or tool name is a chart bug: it ends the run before any model call. */
function unknownNamesProblem(state: ConversationState, services: RunServices): { category: string; message: string } | undefined {
  try {
    services.model.assertAlias(state.model);
    for (const alias of state.models) services.model.assertAlias(alias);
    if (state.compaction && typeof state.compaction.alias === "string") services.model.assertAlias(state.compaction.alias);
  } catch (error) {
    return { category: "unknown-alias", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${(error as Error).message}` };
  }
  try {
    if (!state.realTools.includes("*")) services.tools.pick(state.realTools);
  } catch (error) {
    return { category: "unknown-tool", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${(error as Error).message}` };
  }
  if (state.permissions !== undefined) {
    const problem = rulesProblem(state.permissions, services.tools);
    if (problem) return { category: "invalid-permissions", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${problem}` };
  }
  if (state.compaction !== undefined) {
    const problems = compactionProblems(state.compaction);
    if (problems.length > 0)
      return { category: "invalid-compaction", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${problems.join("; ")}` };
  }
  if (state.toolDispatch !== undefined) {
    const problems = toolDispatchProblems(state.toolDispatch, "param");
    if (problems.length > 0)
      return { category: "invalid-tool-dispatch", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${problems.join("; ")}` };
  }
  if (state.resilience !== undefined && state.resilience !== null) {
    try {
      parseResiliencePolicy(state.resilience);
    } catch (error) {
      return { category: "invalid-resilience", message: `conversation "${state.invokeId}" in state ${state.stateId}: ${(error as Error).message}` };
    }
  }
  return undefined;
}

/** Runs the turns of one live conversation; stops when the owning state is left. */
class ConversationDriver {
  readonly #controller = new AbortController();
  #wake: (() => void) | undefined;
  #budgetTimer: unknown;
  #startedAt = 0;
  #blobPrefix: string | undefined;
  #compaction: Compactor | undefined;

  constructor(
    private readonly self: AnyActorRef,
    private readonly services: RunServices,
    private readonly allowedEvents: () => AllowedEvents,
  ) {}

  #state(): ConversationState {
    return (this.self.getSnapshot() as ConversationSnapshot).context;
  }

  #live(): boolean {
    return (this.self.getSnapshot() as ConversationSnapshot).status === "active" && !this.#controller.signal.aborted;
  }

  wake(): void {
    this.#wake?.();
  }

  stop(): void {
    const state = this.#state();
    this.#controller.abort(new LlmError("aborted", "the conversation's state was left"));
    this.#wake?.();
    if (this.#budgetTimer !== undefined) this.services.clock.clearTimeout(this.#budgetTimer);
    this.services.transcript.append("llm/conversation-ended", { invokeId: state.invokeId, stateId: state.stateId, reason: "exit" });
  }

  /** Sends an event to the chart through the debugger gate (held while the run is paused). */
  #post(event: ChartEvent): void {
    if (!this.#live()) return;
    const invokeId = this.#state().invokeId;
    this.services.debug.pass(`${event.type} from ${invokeId}`, () => {
      if (this.#live()) parentOf(this.self)?.send(event);
    });
  }

  #host(): ConversationToolHost {
    const state = this.#state();
    // One host per turn; a turn may ask more than once, and every prompt needs its own id.
    let asked = 0;
    return {
      askHuman: (question, signal) => {
        const n = state.turn + 1;
        asked += 1;
        return askWithdrawable(
          this.services,
          {
            promptId: asked === 1 ? `${state.invokeId}/ask-${n}` : `${state.invokeId}/ask-${n}-${asked}`,
            invokeId: state.invokeId,
            kind: question.kind,
            message: question.message,
            ...(question.options ? { options: question.options.map((value) => ({ value, label: value })) } : {}),
          },
          signal,
        );
      },
      tell: (target, text) => {
        const peer = (parentOf(this.self)?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)?.children?.[target];
        if (!peer) return false;
        peer.send({ type: "llm.tell", text, from: state.invokeId });
        return true;
      },
    };
  }

  #armBudget(state: ConversationState): void {
    if (state.budgetMs === undefined) return;
    const remaining = this.#startedAt + state.budgetMs - this.services.clock.now();
    this.#budgetTimer = this.services.clock.setTimeout(
      () => {
        if (!this.#live()) return;
        this.#post({ type: "error.llm.timeout", invokeId: state.invokeId, category: "timeout", message: `conversation budget of ${state.budgetMs} ms spent` });
        this.#controller.abort(new LlmError("timeout", "conversation budget spent"));
      },
      Math.max(0, remaining),
    );
  }

  async run(): Promise<void> {
    const initial = this.#state();
    const started = this.services.transcript.append("llm/conversation-started", {
      invokeId: initial.invokeId,
      stateId: initial.stateId,
      model: initial.model,
      ...(initial.system ? { system: initial.system.slice(0, 80) } : {}),
    });
    // The seq of the started row is unique in the session (and across resumes), so blobs of a
    // re-entered state, or of a later state reusing this invoke id, never overwrite these.
    this.#blobPrefix = `${initial.invokeId}-${started.seq}`;
    this.#compaction = new Compactor({
      services: this.services,
      model: interruptibleModel(this.services.model, this.services.debug, initial.invokeId),
      state: () => this.#state(),
      send: (event) => this.self.send(event),
      live: () => this.#live(),
      signal: this.#controller.signal,
      blobPrefix: this.#blobPrefix,
    });
    this.#startedAt = this.services.clock.now();
    this.#armBudget(initial);
    let admitted = false;
    // The actor's mailbox opens once its start is over: events the loop sends itself (delivering
    // a resumed inbox or steering queue) must wait for that.
    await Promise.resolve();
    while (this.#live()) {
      const state = this.#state();
      if (await this.#compaction.beforeStep(state)) continue;
      if (state.phase !== "calling") {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      if (state.inbox.length > 0) {
        // Told after the last commit but before this turn was built (e.g. a tellLlm reacting to
        // the event tool the model just called): deliver it with this turn, not the one after.
        this.self.send({ type: "escapement.inbox-delivered" });
        continue;
      }
      // Steering messages queued from outside (or due again in a replay) join the history here,
      // between steps: never into a call in flight.
      if (deliverSteering(this.self, this.services, state)) continue;
      if (state.turn >= state.maxTurns) {
        this.self.send({ type: "escapement.conversation-failed" });
        this.#post({ type: "error.llm.max-turns", invokeId: state.invokeId, category: "max-turns", message: `stopped after ${state.maxTurns} turns` });
        continue;
      }
      // A model call is an external event too: the debugger may hold it. Once let through, the
      // loop looks at the state again (it may have changed while held) but does not ask twice.
      const held = admitted ? undefined : this.services.debug.enter(`model call ${state.invokeId} turn ${state.turn + 1}`, this.#controller.signal);
      if (held) {
        await held;
        admitted = true;
        continue;
      }
      admitted = false;
      try {
        const outcome = await runTurn({
          services: withModel(this.services, this.#compaction.measuring(interruptibleModel(this.services.model, this.services.debug, state.invokeId))),
          state,
          allowedEvents: this.allowedEvents(),
          signal: this.#controller.signal,
          host: this.#host(),
          blobPrefix: this.#blobPrefix,
          dispatch: resolveToolDispatch(this.services.toolDispatch, state.toolDispatch),
        });
        if (!this.#live()) return;
        this.self.send({ type: "escapement.turn-committed", append: outcome.append, phase: outcome.phase, validationStrikes: outcome.validationStrikes });
        for (const event of outcome.events) this.#post(event);
      } catch (error) {
        if (!this.#live()) return;
        if (!(error instanceof LlmError)) {
          // Not the model (its failures arrive as LlmError): recording the turn failed, e.g. EMFILE or
          // ENOSPC writing the session directory. That is no `error.llm.*` for the chart to handle:
          // going on would act on rows that are not durable. End the run, naming the cause.
          const code = (error as { code?: unknown }).code;
          this.self.send({ type: "escapement.conversation-failed" });
          this.services.fail(
            typeof code === "string" ? "session-io" : "internal",
            `conversation "${state.invokeId}" turn ${state.turn + 1}: ${(error as Error).message ?? String(error)}`,
          );
          return;
        }
        const failed: EventDataWith<"llm/error", { stateId: string; turn: number; tried?: readonly LlmAttempt[] }> = {
          invokeId: state.invokeId,
          stateId: state.stateId,
          turn: state.turn + 1,
          category: error instanceof LlmError ? error.category : "transport",
          message: (error as Error).message,
          // The model layer's tries: their count (the wire field) and each one (target, outcome, category).
          ...(error instanceof LlmError && error.attempts && error.attempts.length > 0 ? { attempts: error.attempts.length, tried: error.attempts } : {}),
        };
        this.services.transcript.append("llm/error", failed);
        this.self.send({ type: "escapement.conversation-failed" });
        if (error instanceof LlmError && error.endsRun) {
          if (error.category === "loop-detected") {
            // The loop guard gives every loop-detected error a `LoopDetail`.
            this.services.transcript.append("llm/loop-detected", { invokeId: state.invokeId, ...(error.detail as LoopDetail) });
          }
          this.services.fail(error.category, error.message);
          return;
        }
        this.#post(errorEventOf(error, state.invokeId));
      }
    }
  }
}

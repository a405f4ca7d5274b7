/**
 * The simulated model: a `ModelClient` that answers each request by choosing one of the event
 * tools it offers (and the allowed real tools), with a payload its schema accepts, or a plain
 * reply when nothing else is offered (or when replies are asked for). Choices come from a
 * `DecisionSource`, keyed by the request, so a run is a function of its seed.
 */
import fc, { type Arbitrary } from "fast-check";
import { eventSchemaOf } from "../chart/index.js";
import type { CallOptions, ContentBlock, ModelClient, ModelRequest, ModelResponse } from "../llm/index.js";
import type { Tool } from "../tools/index.js";
import type { ChartView } from "../engine/index.js";
import { hash32, type DecisionSource } from "./decisions.js";
import { UngenerableEventError, type PayloadArbitraries } from "./payload-arbitraries.js";
import { formatSchemaPath, UngenerableSchemaError, zodArbitrary } from "./zod-arbitrary.js";

export interface SimulatedModelOptions {
  decisions: DecisionSource;
  payloads: PayloadArbitraries;
  /** Real tools the model may call, by name (offered ones only). Default: none. */
  realTools?: readonly Tool[];
  /** Offer a plain reply (no tool call, the conversation's end-turn event) beside the tools. Default: only when nothing else is offered. */
  replies?: boolean;
  /** Caches shared by the runs of one exploration (arbitraries are built once per set of options). */
  cache?: Map<string, Arbitrary<Choice>>;
  /**
   * Whether the chart would take this event now (its guard passes); undefined when unknown. With
   * it, an event the chart would refuse is drawn again (a few times), except at `illegalWeight`.
   */
  accepts?: (request: ModelRequest, eventName: string, payload: unknown) => boolean | undefined;
  /** The state of the chart a conversation sends its events to (for arbitraries given as a function of it); undefined when unknown. */
  viewOf?: (request: ModelRequest) => Omit<ChartView, "event"> | undefined;
  /** Weight of keeping a refused event against a redraw's 19 (default 1); 0: always redraw. */
  illegalWeight?: number;
  /** Told when an offered event's schema cannot be generated (the call then fails with the same error). */
  onUngenerable?: (error: UngenerableEventError) => void;
}

/** What the model does at one turn. */
export type Choice =
  { kind: "event"; tool: string; event: string; payload: unknown } | { kind: "tool"; tool: string; payload: unknown } | { kind: "reply"; text: string };

/** Draws of a turn's choice, the first included, while the chart refuses the event drawn. */
const TRIES = 6;

/** Whether to keep a refused event: no (a redraw) first, so a shrinker moves toward legal events. */
const keepRefused = (weight: number): Arbitrary<boolean> =>
  weight > 0 ? fc.oneof({ arbitrary: fc.constant(false), weight: 19 }, { arbitrary: fc.constant(true), weight }) : fc.constant(false);

const reply: Arbitrary<Choice> = fc.lorem({ maxCount: 6 }).map((text) => ({ kind: "reply", text }));

// One id per schema object, to key the arbitrary of a set of offered tools.
const schemaIds = new WeakMap<object, number>();
let nextSchemaId = 0;
const schemaId = (schema: object): number => {
  let id = schemaIds.get(schema);
  if (id === undefined) schemaIds.set(schema, (id = ++nextSchemaId));
  return id;
};

export class SimulatedModel implements ModelClient {
  readonly #options: SimulatedModelOptions;
  readonly #tools: Map<string, Tool>;
  readonly #cache: Map<string, Arbitrary<Choice>>;
  readonly #keepRefused: Arbitrary<boolean>;

  constructor(options: SimulatedModelOptions) {
    this.#options = options;
    this.#tools = new Map((options.realTools ?? []).map((tool) => [tool.name, tool]));
    this.#cache = options.cache ?? new Map();
    this.#keepRefused = keepRefused(options.illegalWeight ?? 1);
  }

  /** Every alias: the simulated model stands in for all of them. */
  assertAlias(): void {}

  async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
    if (options.signal.aborted) throw options.signal.reason;
    const fingerprint = requestFingerprint(request);
    let choices: Arbitrary<Choice>;
    try {
      choices = this.#choices(request);
    } catch (error) {
      if (error instanceof UngenerableEventError) this.#options.onUngenerable?.(error);
      throw error;
    }
    const choice = this.#choose(`model:${request.origin.stateId}:${fingerprint}`, choices, request);
    const content: ContentBlock[] =
      choice.kind === "reply"
        ? [{ type: "text", text: choice.text }]
        : [{ type: "tool-call", id: `sim_${fingerprint.replace(".", "_")}`, name: choice.tool, input: choice.payload }];
    if (choice.kind === "reply" && request.stream) options.onDelta?.({ kind: "text", text: choice.text });
    return {
      content,
      stopReason: choice.kind === "reply" ? "end_turn" : "tool_use",
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      target: "simulated",
    };
  }

  /**
   * This turn's choice: the first drawn, unless it is an event the chart would refuse now (a
   * failing guard) and the run does not keep it; then the first of a few more draws the chart
   * takes (or the first one after all, when none is).
   */
  #choose(what: string, choices: Arbitrary<Choice>, request: ModelRequest): Choice {
    const { decisions, accepts } = this.#options;
    const first = decisions.draw(what, choices);
    const refused = (choice: Choice): boolean => choice.kind === "event" && accepts?.(request, choice.event, choice.payload) === false;
    if (!refused(first) || decisions.draw(`${what}~keep`, this.#keepRefused)) return first;
    for (let attempt = 2; attempt <= TRIES; attempt++) {
      const next = decisions.draw(`${what}~${attempt}`, choices);
      if (!refused(next)) return next;
    }
    return first;
  }

  /** The arbitrary of this turn's choice: one branch per offered tool, and a reply. */
  #choices(request: ModelRequest): Arbitrary<Choice> {
    const branches: { id: string; build: () => Arbitrary<Choice> }[] = [];
    const { payloads } = this.#options;
    // Built for this turn alone when an offered event's arbitrary depends on the chart's state.
    let view: Omit<ChartView, "event"> | undefined;
    let contextual = false;
    for (const spec of request.tools) {
      const event = eventSchemaOf(spec);
      if (event) {
        if (payloads.contextual(event.eventName) && !contextual) {
          contextual = true;
          view = this.#options.viewOf?.(request);
        }
        branches.push({
          id: `${spec.name}:${schemaId(event.schema)}`,
          build: () =>
            payloads.of(event.eventName, event.schema, view).map((payload): Choice => ({ kind: "event", tool: spec.name, event: event.eventName, payload })),
        });
        continue;
      }
      const tool = this.#tools.get(spec.name);
      if (tool)
        branches.push({
          id: `${spec.name}:tool`,
          build: () => toolInput(tool).map((payload): Choice => ({ kind: "tool", tool: spec.name, payload })),
        });
    }
    const replies = this.#options.replies === true || branches.length === 0;
    const key = `${branches.map((branch) => branch.id).join(",")}${replies ? ",reply" : ""}`;
    let arbitrary = contextual ? undefined : this.#cache.get(key);
    if (!arbitrary) {
      const all = [...branches.map((branch) => branch.build()), ...(replies ? [reply] : [])];
      arbitrary = all.length === 1 ? all[0]! : fc.oneof(...all);
      if (!contextual) this.#cache.set(key, arbitrary);
    }
    return arbitrary;
  }
}

/** The arbitrary of a real tool's input; throws `UngenerableEventError` naming the tool. */
function toolInput(tool: Tool): Arbitrary<unknown> {
  try {
    return zodArbitrary(tool.input);
  } catch (error) {
    if (error instanceof UngenerableSchemaError) throw new UngenerableEventError(tool.name, formatSchemaPath(error.path), error.reason, "tool");
    throw error;
  }
}

/**
 * What identifies a model call: its conversation (invoke id, system prompt and first message, so
 * the same conversation of two fleet children differs) and its turn. Not the history: a shrinker
 * that changes one turn's choice keeps the choices of the turns after it.
 */
export const requestFingerprint = (request: ModelRequest): string =>
  `${hash32(JSON.stringify([request.origin.invokeId, request.system, request.messages[0]])).toString(36)}.${request.origin.turn}`;

/**
 * The simulated human: answers every prompt with an answer its schema accepts, or cancels it (at
 * `cancelWeight` in 10 by default one in ten). Choices come from the run's `DecisionSource`.
 */
import fc, { type Arbitrary } from "fast-check";
import { answerSchema, type HumanRenderer, type PromptAnswer, type PromptRequest } from "../human/index.js";
import { hash32, type DecisionSource } from "./decisions.js";
import { zodArbitrary } from "./zod-arbitrary.js";

export interface SimulatedHumanOptions {
  decisions: DecisionSource;
  /** Relative weight of a cancel against an answer's 9 (default 1: one prompt in ten); 0 never cancels. */
  cancelWeight?: number;
  cache?: Map<string, Arbitrary<PromptAnswer>>;
}

const cancel: Arbitrary<PromptAnswer> = fc.constant({ cancelled: true });

export class SimulatedHuman implements HumanRenderer {
  readonly #options: SimulatedHumanOptions;
  readonly #cache: Map<string, Arbitrary<PromptAnswer>>;

  constructor(options: SimulatedHumanOptions) {
    this.#options = options;
    this.#cache = options.cache ?? new Map();
  }

  async ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
    if (signal.aborted) throw signal.reason;
    const shape = `${request.kind}:${JSON.stringify(request.options?.map((option) => option.value) ?? [])}`;
    const what = `human:${request.promptId}:${hash32(`${request.message}\n${shape}`).toString(36)}`;
    return this.#options.decisions.draw(what, this.#answers(request, shape));
  }

  #answers(request: PromptRequest, shape: string): Arbitrary<PromptAnswer> {
    let arbitrary = this.#cache.get(shape);
    if (!arbitrary) {
      const answer = zodArbitrary(answerSchema(request.kind, request.options)).map((value): PromptAnswer => ({ value }));
      const weight = this.#options.cancelWeight ?? 1;
      // The answer comes first: a shrinker moves toward it, so a reported sequence cancels only where it must.
      arbitrary = weight > 0 ? fc.oneof({ arbitrary: answer, weight: 9 }, { arbitrary: cancel, weight }) : answer;
      this.#cache.set(shape, arbitrary);
    }
    return arbitrary;
  }
}

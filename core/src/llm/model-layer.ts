import type { CallOptions, ModelClient, ModelRequest, ModelResponse, RecordedSteer, RequestOrigin } from "./protocol.js";

type Call = (request: ModelRequest, options: CallOptions) => Promise<ModelResponse>;

/**
 * A layer over `inner`: its own `call`, and `inner`'s alias check. A run stacks several layers per
 * session (loop guard, recorder, durability...), thousands of sessions at once: as a class, a layer
 * is one object and its `call`, not an object with a closure (and a scope) for each method.
 */
class Layer implements ModelClient {
  constructor(
    protected readonly inner: ModelClient,
    readonly call: Call,
  ) {}

  assertAlias(alias: string): void {
    this.inner.assertAlias(alias);
  }
}

/** A layer over a model that skips calls a resumed run already made (see `ModelClient.skipCompleted`). */
class SkippingLayer extends Layer {
  skipCompleted(origins: readonly RequestOrigin[]): void {
    this.inner.skipCompleted!(origins);
  }
}

/** A layer that also passes on its model's recorded steering messages. */
class SteeredLayer extends Layer {
  recordedSteers(): readonly RecordedSteer[] {
    return this.inner.recordedSteers!();
  }
}

class SkippingSteeredLayer extends SkippingLayer {
  recordedSteers(): readonly RecordedSteer[] {
    return this.inner.recordedSteers!();
  }
}

/**
 * `inner` with `call` in place of its own: `assertAlias` and (when `inner` has it)
 * `skipCompleted` go to `inner`, and so does `recordedSteers` when `steers` is set; nothing else
 * of `inner` shows through.
 */
export const modelLayer = (inner: ModelClient, call: Call, options: { steers?: boolean } = {}): ModelClient => {
  const steered = options.steers === true && inner.recordedSteers !== undefined;
  if (inner.skipCompleted) return steered ? new SkippingSteeredLayer(inner, call) : new SkippingLayer(inner, call);
  return steered ? new SteeredLayer(inner, call) : new Layer(inner, call);
};

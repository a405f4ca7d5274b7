/**
 * Effects wait for durability. The runner starts a model call or shows a prompt right after the
 * flush that recorded it; with a store that acknowledges later (see `Durable`), these wrappers hold
 * the effect until that flush and its checkpoint are durable, so a crash never loses the rows of
 * something that was done. With a synchronous store `durable()` is nothing and they add no tick.
 */
import type { HumanRenderer } from "../human/human-renderer.js";
import type { ModelClient } from "../llm/protocol.js";
import { modelLayer } from "../llm/model-layer.js";
import { isPending, type Durable } from "../runtime/durable.js";

/** `model`, each call made once the session's writes so far are durable. */
export function durableModel(model: ModelClient, durable: () => Durable): ModelClient {
  // Not an async function: with nothing to wait for, the call is made in the same tick.
  const call: ModelClient["call"] = (request, options) => {
    const wait = durable();
    return isPending(wait) ? wait.then(() => model.call(request, options)) : model.call(request, options);
  };
  return modelLayer(model, call, { steers: true });
}

/** `human`, each prompt shown once the session's writes so far are durable. */
export function durableHuman(human: HumanRenderer, durable: () => Durable): HumanRenderer {
  return {
    ...(human.progress ? { progress: (promptId, value, total) => human.progress!(promptId, value, total) } : {}),
    ...(human.reject ? { reject: (promptId, reason) => human.reject!(promptId, reason) } : {}),
    ...(human.answered ? { answered: (promptId) => human.answered!(promptId) } : {}),
    ask: (request, signal) => {
      const wait = durable();
      return isPending(wait) ? wait.then(() => human.ask(request, signal)) : human.ask(request, signal);
    },
  };
}

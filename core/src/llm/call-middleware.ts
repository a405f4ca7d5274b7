/**
 * A model client whose every call carries middleware of its own (`CallOptions.middleware`): what a
 * conversation's `middleware` param becomes. The list is asked for at each call, so a conversation
 * restored from a checkpoint (which holds no functions) resolves it again.
 */
import { LlmError } from "./llm-error.js";
import { modelLayer } from "./model-layer.js";
import type { ModelClient } from "./protocol.js";
import { middlewareProblem, nameMiddleware, type ModelMiddleware } from "./providers/middleware.js";

/**
 * `model`, with `middleware()` (when it gives any) on top of each call's own. Unnamed entries are
 * named `<owner>.middleware[<index>]`; an item that is no middleware fails the call as
 * `invalid-request`, naming it the same way.
 */
export function withCallMiddleware(model: ModelClient, owner: string, middleware: () => readonly ModelMiddleware[] | undefined): ModelClient {
  return modelLayer(model, (request, options) => {
    const list = middleware();
    if (list === undefined || list.length === 0) return model.call(request, options);
    const problem = callMiddlewareProblem(list, owner);
    if (problem) return Promise.reject(new LlmError("invalid-request", problem));
    const named = nameMiddleware(list, `${owner}.`).map(({ name, aliases, middleware: item }) => ({
      name,
      middleware: item,
      ...(aliases ? { aliases } : {}),
    }));
    return model.call(request, { ...options, middleware: [...named, ...(options.middleware ?? [])] });
  });
}

/** Why `list` is no list of middleware, naming the item (`<owner>.middleware[<index>]: ...`), or undefined. */
export function callMiddlewareProblem(list: unknown, owner: string): string | undefined {
  if (!Array.isArray(list)) return `${owner}.middleware: expected an array of AI SDK middleware`;
  for (const [index, item] of list.entries()) {
    const problem = middlewareProblem(item);
    if (problem) return `${owner}.middleware[${index}]: ${problem}`;
  }
  return undefined;
}

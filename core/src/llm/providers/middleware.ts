/**
 * AI SDK language model middleware (`LanguageModelMiddleware` from `ai`) on the models built from
 * config: for every alias, or for some. Each middleware is wrapped so that a throw of its own (in
 * `transformParams`, `wrapGenerate` or `wrapStream`) fails the call as an `LlmError` naming it,
 * while a failure of the provider it wraps passes through as the provider's.
 */
import { wrapLanguageModel } from "ai";
// `ai`'s LanguageModelMiddleware is this type; named from @ai-sdk/provider so the public
// declarations do not pull in `ai`'s own, which a strict project without skipLibCheck rejects.
import type { LanguageModelV3, LanguageModelV3Middleware as LanguageModelMiddleware } from "@ai-sdk/provider";
import { isLlmError, LlmError } from "../llm-error.js";

/** A middleware with a name (for failures) and the aliases it applies to. */
export interface ModelMiddlewareEntry {
  /** Names it in failures. Default `middleware[<index>]`. */
  name?: string;
  /** Only calls that ask for one of these aliases. Default: every alias. */
  aliases?: readonly string[];
  middleware: LanguageModelMiddleware;
}

/** A bare middleware (every alias) or an entry. */
export type ModelMiddleware = LanguageModelMiddleware | ModelMiddlewareEntry;

export interface NamedMiddleware {
  name: string;
  aliases?: readonly string[];
  middleware: LanguageModelMiddleware;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** An entry rather than a bare middleware. */
export const isMiddlewareEntry = (value: unknown): value is ModelMiddlewareEntry => isObject(value) && isObject(value.middleware);

const hooks = ["transformParams", "wrapGenerate", "wrapStream"] as const;

/** Why `value` is no middleware (or entry), or undefined. */
export function middlewareProblem(value: unknown): string | undefined {
  const middleware = isMiddlewareEntry(value) ? value.middleware : value;
  if (!isObject(middleware))
    return "expected an AI SDK LanguageModelMiddleware { transformParams?, wrapGenerate?, wrapStream? }, or { name?, aliases?, middleware }";
  if (!hooks.some((hook) => typeof middleware[hook] === "function")) return "a middleware needs transformParams, wrapGenerate or wrapStream (functions)";
  if (isMiddlewareEntry(value)) {
    if (value.name !== undefined && (typeof value.name !== "string" || value.name === "")) return "name: expected a non-empty string";
    if (value.aliases !== undefined && (!Array.isArray(value.aliases) || value.aliases.some((alias) => typeof alias !== "string")))
      return "aliases: expected an array of alias names";
  }
  return undefined;
}

/** Names every middleware (`middleware[<index>]` unless it has one). */
export const nameMiddleware = (list: readonly ModelMiddleware[]): NamedMiddleware[] =>
  list.map((item, index) =>
    isMiddlewareEntry(item)
      ? { name: item.name ?? `middleware[${index}]`, middleware: item.middleware, ...(item.aliases ? { aliases: item.aliases } : {}) }
      : { name: `middleware[${index}]`, middleware: item },
  );

/** The middleware that applies to a call asking for `alias`, in order. */
export const middlewareFor = (list: readonly NamedMiddleware[], alias: string): NamedMiddleware[] =>
  list.filter((entry) => entry.aliases === undefined || entry.aliases.includes(alias));

/** The failure of a middleware's own code, as a model failure naming it (an `LlmError` it threw keeps its category). */
export function middlewareFailure(name: string, hook: string, error: unknown): LlmError {
  const message = `middleware "${name}" failed in ${hook}: ${error instanceof Error ? error.message : String(error)}`;
  const category = isLlmError(error) ? error.category : "invalid-request";
  return new LlmError(category, message, { cause: error, detail: { middleware: name, hook } });
}

/** `entry.middleware`, with its own throws turned into `middlewareFailure`s. */
export function guardedMiddleware(entry: NamedMiddleware): LanguageModelMiddleware {
  const { name, middleware } = entry;
  const guarded: LanguageModelMiddleware = { ...middleware };
  if (middleware.transformParams) {
    const transform = middleware.transformParams;
    guarded.transformParams = async (options) => {
      try {
        return await transform(options);
      } catch (error) {
        throw middlewareFailure(name, "transformParams", error);
      }
    };
  }
  for (const hook of ["wrapGenerate", "wrapStream"] as const) {
    const wrap = middleware[hook] as ((options: WrapOptions) => PromiseLike<unknown>) | undefined;
    if (!wrap) continue;
    (guarded as Record<string, unknown>)[hook] = async (options: WrapOptions) => {
      // What the wrapped model throws is the provider's failure, not the middleware's.
      const inner = new WeakSet<object>();
      const mark =
        <T>(run: () => PromiseLike<T>) =>
        async (): Promise<T> => {
          try {
            return await run();
          } catch (error) {
            if (isObject(error)) inner.add(error);
            throw error;
          }
        };
      try {
        return await wrap({ ...options, doGenerate: mark(options.doGenerate), doStream: mark(options.doStream) });
      } catch (error) {
        if (isObject(error) && inner.has(error)) throw error;
        throw middlewareFailure(name, hook, error);
      }
    };
  }
  return guarded;
}

type WrapOptions = Parameters<NonNullable<LanguageModelMiddleware["wrapGenerate"]>>[0] & Parameters<NonNullable<LanguageModelMiddleware["wrapStream"]>>[0];

/** `model` wrapped in `entries` (the first sees the request first); `model` itself without any. */
export function withMiddleware(model: LanguageModelV3, entries: readonly NamedMiddleware[]): LanguageModelV3 {
  if (entries.length === 0) return model;
  return wrapLanguageModel({ model, middleware: entries.map(guardedMiddleware) });
}

/**
 * AI SDK language model middleware (`LanguageModelMiddleware` from `ai`) on the models built from
 * config: for every alias, or for some. Each middleware is wrapped so that a throw of its own (in
 * `transformParams`, `wrapGenerate` or `wrapStream`) fails the call as an `LlmError` naming it,
 * while a failure of the provider it wraps passes through as the provider's.
 */
import { wrapLanguageModel } from "ai";
// `ai`'s LanguageModelMiddleware is this type; named from @ai-sdk/provider so the public
// declarations do not pull in `ai`'s own, which a strict project without skipLibCheck rejects.
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Middleware as LanguageModelMiddleware } from "@ai-sdk/provider";
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

/**
 * What a call through middleware sent to the provider adapter: the AI SDK's provider-level call
 * options (`prompt`, `tools`, `toolChoice`, `maxOutputTokens`, `temperature`, `providerOptions`,
 * ...) after every `transformParams`, as JSON data, without the abort signal and the headers.
 */
export type SentRequest = Record<string, unknown>;

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

/** Names every middleware (`<prefix>middleware[<index>]` unless it has one). */
export const nameMiddleware = (list: readonly ModelMiddleware[], prefix = ""): NamedMiddleware[] =>
  list.map((item, index) =>
    isMiddlewareEntry(item)
      ? { name: item.name ?? `${prefix}middleware[${index}]`, middleware: item.middleware, ...(item.aliases ? { aliases: item.aliases } : {}) }
      : { name: `${prefix}middleware[${index}]`, middleware: item },
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

/**
 * `model` wrapped in `entries` (the first sees the request first); `model` itself without any.
 * With `onSent`, an innermost step hands it what the provider is sent (see `sentRequestOf`) each
 * time the middleware lets a request through.
 */
export function withMiddleware(model: LanguageModelV3, entries: readonly NamedMiddleware[], onSent?: (sent: SentRequest) => void): LanguageModelV3 {
  if (entries.length === 0) return model;
  const middleware = entries.map(guardedMiddleware);
  if (onSent) middleware.push(captureSent(onSent));
  return wrapLanguageModel({ model, middleware });
}

/**
 * Sees the call options after every other middleware's `transformParams` (it is the last in the
 * list, so the nearest the provider), whichever path a `wrapGenerate` / `wrapStream` takes to it.
 */
const captureSent = (onSent: (sent: SentRequest) => void): LanguageModelMiddleware => ({
  specificationVersion: "v3",
  transformParams: async ({ params }) => {
    onSent(sentRequestOf(params));
    return params;
  },
});

/**
 * The provider-level call options as JSON data: the prompt, tools and settings as the provider
 * adapter gets them. Left out: the abort signal, and the headers (a middleware may put a key in
 * them). Bytes (a file part's data) become base64, URLs their text.
 */
export function sentRequestOf(params: LanguageModelV3CallOptions): SentRequest {
  const { abortSignal: _signal, headers: _headers, ...rest } = params;
  return jsonData(rest) as SentRequest;
}

/** `value` as plain JSON data (a copy: later changes to the SDK's objects do not reach it). */
function jsonData(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof URL) return value.href;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined || typeof item === "function" ? null : jsonData(item)));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      out[key] = jsonData(item);
    }
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

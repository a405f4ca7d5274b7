/**
 * A fetch that gives up on a server that accepted the request but never answers it. `fetch()`
 * resolves when the response headers have arrived, so a timer around that promise measures the
 * time to the headers: DNS, connecting, TLS, sending the request and the server's wait before its
 * status line. The body is not timed: once the headers are in, reading the (streamed) body is
 * governed by the caller's signal and the router's first-token cap, never by this timer.
 */
import { LlmError } from "../llm-error.js";
import type { FetchFunction } from "./types.js";

/** Default of `headersTimeoutMs`: the most a streamed request waits for the response headers. */
export const defaultHeadersTimeoutMs = 30_000;

/**
 * Default of `responseTimeoutMs`: the most an unstreamed request waits for its reply. Its headers
 * come only once the whole answer is written, so the wait covers the generation too.
 */
export const defaultResponseTimeoutMs = 120_000;

/** The longest delay `setTimeout` honours (a longer one fires at once). */
export const maxHeadersTimeoutMs = 2_147_483_647;

/** The timeout in force: the target's, else the client's, else the default; within what a timer can wait. */
export function resolveHeadersTimeout(...layers: (number | undefined)[]): number {
  return resolveTimeout(defaultHeadersTimeoutMs, layers);
}

/** `resolveHeadersTimeout` for `responseTimeoutMs` (unstreamed requests). */
export function resolveResponseTimeout(...layers: (number | undefined)[]): number {
  return resolveTimeout(defaultResponseTimeoutMs, layers);
}

function resolveTimeout(fallback: number, layers: (number | undefined)[]): number {
  const chosen = layers.find((layer) => layer !== undefined) ?? fallback;
  return Math.min(Math.max(1, chosen), maxHeadersTimeoutMs);
}

/** Which option a timeout came from: it is named in the error so the user knows what to raise. */
export type TimeoutOption = "headersTimeoutMs" | "responseTimeoutMs";

/**
 * `fetch` with a deadline on the response headers. When they have not arrived within `timeoutMs`,
 * the request is aborted (the socket is released) and the returned promise rejects with a
 * transient `LlmError` of category `timeout` naming `label`. The caller's signal keeps working
 * before and after the headers (it also aborts the body); a caller's abort rejects with its
 * reason, as fetch does. The timer is cleared as soon as the request settles either way.
 */
export function withHeadersTimeout(
  fetch: FetchFunction | undefined,
  timeoutMs: number,
  label: string,
  option: TimeoutOption = "headersTimeoutMs",
): FetchFunction {
  const base: FetchFunction = fetch ?? ((input, init) => globalThis.fetch(input, init));
  const ms = Math.min(Math.max(1, timeoutMs), maxHeadersTimeoutMs);
  return (input, init) => {
    const caller = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (caller?.aborted) return base(input, init);
    const deadline = new AbortController();
    const signal = caller ? AbortSignal.any([caller, deadline.signal]) : deadline.signal;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        const what = option === "headersTimeoutMs" ? "no response headers" : "no response";
        const error = new LlmError("timeout", `${what} from ${label} within ${ms} ms (${option})`);
        deadline.abort(error);
        reject(error);
      }, ms);
      const onAbort = (): void => {
        done();
        reject(caller!.reason);
      };
      const done = (): void => {
        clearTimeout(timer);
        caller?.removeEventListener("abort", onAbort);
      };
      caller?.addEventListener("abort", onAbort, { once: true });
      let pending: Promise<Response>;
      try {
        pending = base(input, { ...init, signal });
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (response) => {
          done();
          resolve(response);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  };
}

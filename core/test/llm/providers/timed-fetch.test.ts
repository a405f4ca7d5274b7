/** The header deadline around a provider's fetch, over a scripted fetch and simulated timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LlmError } from "../../../src/llm/llm-error.js";
import { defaultHeadersTimeoutMs, maxHeadersTimeoutMs, resolveHeadersTimeout, withHeadersTimeout } from "../../../src/llm/providers/timed-fetch.js";
import type { FetchFunction } from "../../../src/llm/providers/types.js";

/** A fetch whose response the test settles by hand; it records the signal it was given and honours it like a real fetch. */
function scriptedFetch() {
  const calls: { input: Parameters<FetchFunction>[0]; signal: AbortSignal | undefined }[] = [];
  let settle: { resolve: (response: Response) => void; reject: (error: unknown) => void } | undefined;
  const fetch: FetchFunction = (input, init) => {
    const signal = init?.signal ?? undefined;
    calls.push({ input, signal });
    return new Promise<Response>((resolve, reject) => {
      settle = { resolve, reject };
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  };
  return { fetch, calls, respond: (response = new Response("ok")) => settle!.resolve(response), fail: (error: unknown) => settle!.reject(error) };
}

const outcome = (promise: Promise<Response>) =>
  promise.then(
    (response) => ({ response }),
    (error: unknown) => ({ error }),
  );

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("withHeadersTimeout", () => {
  it("passes the response through once the headers arrive, and leaves no timer behind", async () => {
    const scripted = scriptedFetch();
    const pending = withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test/v1/messages", { method: "POST" });
    expect(vi.getTimerCount()).toBe(1);
    const response = new Response("body");
    scripted.respond(response);
    expect(await pending).toBe(response);
    expect(vi.getTimerCount()).toBe(0);
    expect(scripted.calls[0]?.input).toBe("http://x.test/v1/messages");
  });

  it("without headers in time: rejects with a transient timeout and aborts the request", async () => {
    const scripted = scriptedFetch();
    const pending = outcome(withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", {}));
    await vi.advanceTimersByTimeAsync(999);
    expect(scripted.calls[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = (await pending) as { error: LlmError };
    expect(error).toBeInstanceOf(LlmError);
    expect(error.category).toBe("timeout");
    expect(error.transient).toBe(true);
    expect(error.message).toBe("no response headers from p:m within 1000 ms (headersTimeoutMs)");
    expect(scripted.calls[0]?.signal?.aborted).toBe(true);
    expect(scripted.calls[0]?.signal?.reason).toBe(error);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the caller's abort before the headers rejects with the caller's reason and clears the timer", async () => {
    const scripted = scriptedFetch();
    const caller = new AbortController();
    const pending = outcome(withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", { signal: caller.signal }));
    const reason = new Error("stop");
    caller.abort(reason);
    expect(await pending).toEqual({ error: reason });
    expect(scripted.calls[0]?.signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the caller's abort after the headers still reaches the request (its body)", async () => {
    const scripted = scriptedFetch();
    const caller = new AbortController();
    const pending = withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", { signal: caller.signal });
    scripted.respond();
    await pending;
    const sent = scripted.calls[0]!.signal!;
    expect(sent.aborted).toBe(false);
    caller.abort("later");
    expect(sent.aborted).toBe(true);
    expect(sent.reason).toBe("later");
  });

  it("the body after the headers is not timed", async () => {
    const scripted = scriptedFetch();
    const pending = withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", {});
    scripted.respond();
    await pending;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(scripted.calls[0]?.signal?.aborted).toBe(false);
  });

  it("a request failure passes through untouched", async () => {
    const scripted = scriptedFetch();
    const pending = outcome(withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", {}));
    const failure = new TypeError("fetch failed");
    scripted.fail(failure);
    expect(await pending).toEqual({ error: failure });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a fetch that throws at once becomes a rejection", async () => {
    const failure = new Error("bad url");
    const throwing: FetchFunction = () => {
      throw failure;
    };
    expect(await outcome(withHeadersTimeout(throwing, 1000, "p:m")("http://x.test"))).toEqual({ error: failure });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an already aborted caller goes straight to fetch, which rejects as it would", async () => {
    const scripted = scriptedFetch();
    const pending = outcome(withHeadersTimeout(scripted.fetch, 1000, "p:m")("http://x.test", { signal: AbortSignal.abort("gone") }));
    expect(vi.getTimerCount()).toBe(0);
    expect(await pending).toEqual({ error: "gone" });
  });

  it("a Request's own signal counts as the caller's", async () => {
    const scripted = scriptedFetch();
    const caller = new AbortController();
    const pending = outcome(withHeadersTimeout(scripted.fetch, 1000, "p:m")(new Request("http://x.test", { signal: caller.signal })));
    caller.abort("cancelled");
    expect(await pending).toEqual({ error: "cancelled" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("without a fetch it uses the global one at call time", async () => {
    const scripted = scriptedFetch();
    vi.stubGlobal("fetch", scripted.fetch);
    try {
      const pending = withHeadersTimeout(undefined, 1000, "p:m")("http://x.test");
      scripted.respond();
      await pending;
      expect(scripted.calls).toHaveLength(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("resolveHeadersTimeout", () => {
  it("the first layer that sets one wins; none gives the default", () => {
    expect(resolveHeadersTimeout(undefined, undefined)).toBe(defaultHeadersTimeoutMs);
    expect(defaultHeadersTimeoutMs).toBe(30_000);
    expect(resolveHeadersTimeout(5000, 9000)).toBe(5000);
    expect(resolveHeadersTimeout(undefined, 9000)).toBe(9000);
  });

  it("keeps the value within what a timer can wait", () => {
    expect(resolveHeadersTimeout(Number.MAX_SAFE_INTEGER)).toBe(maxHeadersTimeoutMs);
    expect(resolveHeadersTimeout(0)).toBe(1);
  });
});

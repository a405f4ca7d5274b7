/**
 * The response-header timeout against real sockets: a TCP server on 127.0.0.1 that accepts and
 * never answers, and the fake provider server stalling before its headers or streaming slowly.
 * Real adapters, the router and `run()` fail over from a silent target after `headersTimeoutMs`,
 * not after the HTTP client's own 300 s; a stream whose headers came in time is never cut.
 */
import { createServer, type Server, type Socket } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setup } from "xstate";
import { converse, inlineActors } from "../../core/src/chart/index.js";
import { parseProjectConfig, type ProjectConfigInput } from "../../core/src/config/index.js";
import { defineChart } from "../../core/src/engine/index.js";
import { run as runChart } from "../../core/src/index.js";
import { modelFromData, providersFromData } from "../../core/src/lib/hermetic-model.js";
import { LlmError } from "../../core/src/llm/llm-error.js";
import type { ModelClient } from "../../core/src/llm/protocol.js";
import { createTargetClient, type ProviderKind, type ProviderSpec } from "../../core/src/llm/providers/index.js";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";
import { expectCategory, request, run, textOf } from "./helpers.js";

/** Accepts TCP connections and never writes a byte: the provider that holds a run. */
interface SilentServer {
  readonly url: string;
  /** Requests received so far (connections that sent bytes; the HTTP client may open spare ones). */
  readonly requests: number;
  /** Whether the client has closed the connection of the latest request. */
  lastRequestClosed(): boolean;
  close(): Promise<void>;
}

async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const requested: { closed: boolean }[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const state = { closed: false };
    socket.on("error", () => {});
    // Read (and drop) the request, so the client's close is seen.
    socket.once("data", () => requested.push(state));
    socket.on("end", () => (state.closed = true));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requested.length;
    },
    lastRequestClosed: () => requested.at(-1)?.closed ?? false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let silent: SilentServer;
let server: FakeProviderServer;
beforeAll(async () => {
  silent = await startSilentServer();
  server = await startFakeProviderServer();
});
afterAll(async () => {
  await silent.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending()).toBe(0);
});

/** Far below the HTTP client's own header timeout (300 s): only the configured one can end these tests in time. */
const wellUnderTheOldWait = 20_000;

const spec = (kind: ProviderKind, url: string): ProviderSpec => ({ name: kind, kind, baseURL: `${url}/v1`, apiKey: "sk-test" });

describe("a provider that accepts the connection and never answers", () => {
  it.each(["anthropic", "openai", "openai-compatible"] as const)("%s: a streamed call fails with a transient timeout after headersTimeoutMs", async (kind) => {
    const client = createTargetClient({ provider: kind, model: "m", headersTimeoutMs: 300 }, spec(kind, silent.url));
    const before = silent.requests;
    const started = performance.now();
    const error = await expectCategory(client, request(), "timeout");
    expect(performance.now() - started).toBeLessThan(wellUnderTheOldWait);
    expect(error.transient).toBe(true);
    expect(error.message).toBe(`no response headers from ${kind}:m within 300 ms (headersTimeoutMs)`);
    expect(silent.requests).toBe(before + 1);
  });

  it("the timed-out request's connection is closed, not left open", async () => {
    const client = createTargetClient({ provider: "anthropic", model: "m", headersTimeoutMs: 200 }, spec("anthropic", silent.url));
    const before = silent.requests;
    await expectCategory(client, request(), "timeout");
    expect(silent.requests).toBe(before + 1);
    const deadline = Date.now() + 5_000;
    while (!silent.lastRequestClosed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(silent.lastRequestClosed()).toBe(true);
  });

  it.each(["anthropic", "openai", "openai-compatible"] as const)(
    "%s: an unstreamed call fails with a transient timeout after responseTimeoutMs",
    async (kind) => {
      const client = createTargetClient({ provider: kind, model: "m", responseTimeoutMs: 300 }, spec(kind, silent.url));
      const started = performance.now();
      const error = await expectCategory(client, request({ stream: false }), "timeout");
      expect(performance.now() - started).toBeLessThan(wellUnderTheOldWait);
      expect(error.transient).toBe(true);
      expect(error.message).toBe(`no response from ${kind}:m within 300 ms (responseTimeoutMs)`);
    },
  );

  it("the client-wide responseTimeoutMs applies to a target that sets none", async () => {
    const client = createTargetClient({ provider: "openai", model: "m" }, spec("openai", silent.url), { responseTimeoutMs: 250 });
    const error = await expectCategory(client, request({ stream: false }), "timeout");
    expect(error.message).toContain("within 250 ms");
  });

  it("the client-wide headersTimeoutMs applies to a target that sets none", async () => {
    const client = createTargetClient({ provider: "openai", model: "m" }, spec("openai", silent.url), { headersTimeoutMs: 250 });
    const error = await expectCategory(client, request(), "timeout");
    expect(error.message).toContain("within 250 ms");
  });

  it("the caller's abort still ends the wait at once, as aborted", async () => {
    const client = createTargetClient({ provider: "anthropic", model: "m", headersTimeoutMs: 30_000 }, spec("anthropic", silent.url));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error } = await run(client, request(), { signal: controller.signal });
    expect(error?.category).toBe("aborted");
  });
});

describe("a provider whose headers come late", () => {
  const client = (target: Record<string, unknown> = {}, kind: ProviderKind = "anthropic") =>
    createTargetClient({ provider: kind, model: "m", ...target }, spec(kind, server.url));

  it("a stream whose headers miss the limit times out", async () => {
    server.enqueue(step.text("too late", { headersDelayMs: 1_000 }));
    const error = await expectCategory(client({ headersTimeoutMs: 200 }), request(), "timeout");
    expect(error.message).toContain("within 200 ms");
  });

  it("an unstreamed call waits past headersTimeoutMs: its headers come with the whole reply", async () => {
    server.enqueue(step.text("worth the wait", { headersDelayMs: 600 }));
    const { response, error } = await run(client({ headersTimeoutMs: 200 }), request({ stream: false }));
    expect(error).toBeUndefined();
    expect(textOf(response)).toBe("worth the wait");
  });

  it("an unstreamed reply later than responseTimeoutMs times out", async () => {
    server.enqueue(step.text("too late", { headersDelayMs: 1_000 }));
    const error = await expectCategory(client({ responseTimeoutMs: 200 }), request({ stream: false }), "timeout");
    expect(error.message).toBe("no response from anthropic:m within 200 ms (responseTimeoutMs)");
  });

  it("headers within headersTimeoutMs are waited for", async () => {
    server.enqueue(step.text("eventually", { headersDelayMs: 600 }));
    const { response, error } = await run(client({ headersTimeoutMs: 5_000 }, "openai"), request());
    expect(error).toBeUndefined();
    expect(textOf(response)).toBe("eventually");
  });
});

describe("a provider that answers its headers at once and then streams slowly", () => {
  it.each(["anthropic", "openai"] as const)("%s: the stream outlives headersTimeoutMs and completes", async (kind) => {
    const chunks = ["A slow ", "but steady ", "answer ", "that takes ", "well over ", "the header ", "limit."];
    server.enqueue({ kind: "reply", blocks: [{ type: "text", text: chunks.join(""), chunks }], firstTokenDelayMs: 400, eventDelayMs: 100 });
    const client = createTargetClient({ provider: kind, model: "m", headersTimeoutMs: 200 }, spec(kind, server.url));
    const started = performance.now();
    const { response, deltas, error } = await run(client, request());
    expect(error).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThan(400); // the whole stream took longer than the header limit
    expect(textOf(response)).toBe(chunks.join(""));
    expect(deltas.map((delta) => delta.text)).toEqual(chunks);
    expect(response!.stopReason).toBe("end_turn");
  });
});

describe("failover from a silent target", () => {
  const config = (): ProjectConfigInput => ({
    aliases: {
      default: [
        { provider: "silent", model: "never-answers", headersTimeoutMs: 300 },
        { provider: "local", model: "test-model" },
      ],
    },
    credentials: [
      { name: "silent", kind: "anthropic", baseURL: `${silent.url}/v1` },
      { name: "local", kind: "openai-compatible", baseURL: `${server.url}/v1` },
    ],
  });
  const credentials = { silent: "sk-silent", local: "sk-local" };

  const routerFromConfig = (): ModelClient => {
    const parsed = parseProjectConfig(config(), ".escapement.json");
    return modelFromData(parsed, providersFromData(parsed, credentials, ".escapement.json"))!;
  };

  it("the router retries the silent target on timeout, gives it up, and the next target answers", async () => {
    server.enqueue(step.text("Answered by the second target."));
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const requestsBefore = silent.requests;
    const started = performance.now();
    const response = await routerFromConfig().call(request({ resilience: { retry: { maxAttempts: 2, baseDelayMs: 10, jitter: 0 } } }), {
      signal: new AbortController().signal,
      onEvent: (event, data) => events.push({ event, data: data as Record<string, unknown> }),
    });
    expect(performance.now() - started).toBeLessThan(wellUnderTheOldWait);
    expect(response.target).toBe("local:test-model");
    expect(textOf(response)).toBe("Answered by the second target.");
    expect(silent.requests - requestsBefore).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(events).toEqual([
      { event: "llm/retry", data: { attempt: 2, category: "timeout", delayMs: 10, target: "silent:never-answers" } },
      { event: "llm/model-down", data: { target: "silent:never-answers", category: "timeout" } },
    ]);
  });

  it("with failover off the call fails with category timeout, every try listed", async () => {
    const error = await routerFromConfig()
      .call(request({ resilience: { failover: false, retry: { maxAttempts: 2, baseDelayMs: 10, jitter: 0 } } }), { signal: new AbortController().signal })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).category).toBe("timeout");
    expect((error as LlmError).attempts?.map(({ target, attempt, outcome, category }) => ({ target, attempt, outcome, category }))).toEqual([
      { target: "silent:never-answers", attempt: 1, outcome: "error", category: "timeout" },
      { target: "silent:never-answers", attempt: 2, outcome: "error", category: "timeout" },
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it("run() with the config: the transcript shows the timeouts and the answer from the next target", async () => {
    server.enqueue(step.text("Hello from the fallback."));
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "talk",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "talker", message: "Say hello.", model: "default" }), on: { "llm.idle": "done" } },
        done: { type: "final" },
      },
    });
    const sessionDir = join(mkdtempSync(join(tmpdir(), "escapement-headers-timeout-")), "session");
    try {
      const started = performance.now();
      const outcome = await runChart({ chart: defineChart({ id: "talk", machine }), config: config(), credentials, sessionDir });
      expect(performance.now() - started).toBeLessThan(wellUnderTheOldWait);
      expect(outcome.status).toBe("done");
      const rows = readFileSync(outcome.transcriptPath, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { event: string; data: Record<string, unknown> });
      const retries = rows.filter((row) => row.event === "llm/retry");
      expect(retries.length).toBeGreaterThanOrEqual(1); // the default policy: 3 tries per target
      for (const row of retries) expect(row.data).toMatchObject({ category: "timeout", target: "silent:never-answers" });
      expect(rows.find((row) => row.event === "llm/model-down")?.data).toMatchObject({ target: "silent:never-answers", category: "timeout" });
      expect(rows.find((row) => row.event === "llm/response")?.data).toMatchObject({ target: "local:test-model" });
    } finally {
      rmSync(join(sessionDir, ".."), { recursive: true, force: true });
    }
  });
});

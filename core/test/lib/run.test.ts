/** run(options): the hosted facade end to end, on the scripted model and on a config-derived model. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { terminalPublicEventTypes, type PublicEvent } from "@escapement/wire-schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fromPromise, setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart } from "../../src/engine/index.js";
import { run, validateOptions, type ProjectConfigInput, type RunOutcome } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { readAllRows, sequentialIds, type TranscriptRow } from "../../src/runtime/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import { expectTranscriptInvariants } from "../chart/helpers.js";
import { fakeNetwork } from "./fake-network.js";
import { expectValidEvents, memoryLogger, removeAfter, sleep, talkChart, tempDir } from "./helpers.js";

const reply = (text: string) => ({ deltas: [{ text: `${text.slice(0, 3)}` }, { text: text.slice(3) }], events: [{ name: "finish", payload: { note: text } }] });

/** Runs to the end, collecting events three ways: onEvent, events(), and the transcript. */
async function runCollecting(
  options: Parameters<typeof run>[0],
): Promise<{ result: RunOutcome; events: PublicEvent[]; iterated: PublicEvent[]; rows: TranscriptRow[] }> {
  const events: PublicEvent[] = [];
  const handle = run({ ...options, onEvent: (event) => events.push(event) });
  const iterated: PublicEvent[] = [];
  const iterating = (async () => {
    for await (const event of handle.events()) iterated.push(event);
  })();
  const result = await handle;
  await iterating;
  expect(result.runId).toBe(handle.runId);
  const rows = await readAllRows(result.transcriptPath);
  expectTranscriptInvariants(rows, result);
  expectValidEvents(events);
  expect(iterated).toEqual(events);
  return { result, events, iterated, rows };
}

describe("run(options)", () => {
  it("runs a chart on a scripted model and returns the outcome", async () => {
    const sessionDir = join(tempDir(), "session");
    const { result, events } = await runCollecting({ chart: talkChart(), model: scriptedModel([reply("Hello there")]), sessionDir });
    expect(result).toEqual({
      runId: expect.stringMatching(/^run-[0-9a-f]{12}$/),
      sessionId: "session",
      status: "done",
      finalConfig: ["done"],
      sessionDir,
      transcriptPath: join(sessionDir, "transcript.jsonl"),
    });
    expect(events.map((event) => event.type)).toEqual([
      "run-started",
      "chart-config",
      // The context as first checkpointed (this chart's is empty), after the rows of that flush.
      "chart-context",
      "llm-request",
      // The two fragments arrive in one tick, so the transcript holds them as one row.
      "text-delta",
      "llm-response",
      "tool-call",
      "chart-event",
      "chart-config",
      "run-done",
    ]);
    for (const event of events) expect(event).toMatchObject({ sessionId: "session", runId: result.runId });
    expect(
      events
        .filter((event) => event.type === "text-delta")
        .map((event) => event.type === "text-delta" && event.text)
        .join(""),
    ).toBe("Hello there");
    expect(events.at(-1)).toMatchObject({ type: "run-done", finalConfig: ["done"] });
  });

  it("delivers each event after its row is on disk, with the row's seq", async () => {
    const sessionDir = join(tempDir(), "session");
    const problems: string[] = [];
    const onDisk = (): number => readFileSync(join(sessionDir, "transcript.jsonl"), "utf8").trim().split("\n").length;
    const result = await run({
      chart: talkChart(),
      model: scriptedModel([reply("Hello there")]),
      sessionDir,
      onEvent: (event) => {
        if (event.seq > onDisk()) problems.push(`${event.type} seq ${event.seq} seen before it was on disk`);
      },
    });
    expect(result.status).toBe("done");
    expect(problems).toEqual([]);
  });

  it("defaults the session directory to <os.tmpdir()>/escapement-<id> and the work directory inside it", async () => {
    const seen: string[] = [];
    const tools = [
      defineTool({
        name: "where",
        description: "says where it runs",
        input: z.object({}),
        execute: async (_input, context) => {
          seen.push(context.workDir);
          return { output: context.workDir };
        },
      }),
    ];
    const handle = run({
      chart: talkChart({ realTools: ["where"] }),
      model: scriptedModel([{ toolCalls: [{ name: "where", input: {} }] }, reply("done")]),
      tools,
    });
    const result = await handle;
    removeAfter(result.sessionDir);
    expect(dirname(result.sessionDir)).toBe(tmpdir());
    expect(basename(result.sessionDir)).toMatch(/^escapement-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(result.sessionId).toBe(basename(result.sessionDir));
    expect(result.status).toBe("done");
    expect(seen).toEqual([join(result.sessionDir, "work")]);
    expect(statSync(join(result.sessionDir, "work")).isDirectory()).toBe(true);
  });

  it("takes ids and a clock, so the same inputs give the same transcript", async () => {
    const root = tempDir();
    let now = 1_760_000_000_000;
    const clock = {
      now: () => now++,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    };
    const result = await run({ chart: talkChart(), model: scriptedModel([reply("Hi")]), sessionsRoot: root, ids: sequentialIds("x"), clock });
    expect(result).toMatchObject({ runId: "x-run-1", sessionId: "x-session-1", sessionDir: join(root, "x-session-1"), status: "done" });
  });

  it("passes input to the chart and records it in the session manifest", async () => {
    const machine = setup({ actors: inlineActors, types: { input: {} as { name: string }, context: {} as { name: string } } }).createMachine({
      id: "greet",
      context: ({ input }) => ({ name: input.name }),
      initial: "talking",
      states: {
        talking: {
          invoke: converse({
            id: "c",
            message: ({ context }) => `Greet ${context.name}`,
            realTools: [],
            allowedEvents: { finish: { schema: z.object({}), description: "end" } },
          }),
          on: { finish: "done" },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ expect: { lastUserIncludes: "Greet Grace" }, events: [{ name: "finish", payload: {} }] }]);
    const sessionDir = join(tempDir(), "s");
    const result = await run({ chart: machine, model, input: { name: "Grace" }, sessionDir });
    expect(result.status).toBe("done");
    expect(JSON.parse(readFileSync(join(sessionDir, "session.json"), "utf8"))).toMatchObject({ chartId: "greet", input: { name: "Grace" }, status: "done" });
  });

  it("an onEvent that throws is logged and the run goes on", async () => {
    const log = memoryLogger();
    const result = await run({
      chart: talkChart(),
      model: scriptedModel([reply("Hello")]),
      sessionDir: join(tempDir(), "s"),
      log,
      onEvent: (event) => {
        if (event.type === "llm-request") throw new Error("host bug");
      },
    });
    expect(result.status).toBe("done");
    expect(log.lines.some((line) => line.includes("onEvent threw on llm-request") && line.includes("host bug"))).toBe(true);
  });

  it("an iterator the host leaves early stops receiving; the run is not held up", async () => {
    const handle = run({ chart: talkChart(), model: scriptedModel([reply("Hello there")]), sessionDir: join(tempDir(), "s") });
    const first: string[] = [];
    for await (const event of handle.events()) {
      first.push(event.type);
      if (first.length === 2) break;
    }
    expect(first).toEqual(["run-started", "chart-config"]);
    expect((await handle).status).toBe("done");
    // After the end, a new iterator is empty.
    const late: PublicEvent[] = [];
    for await (const event of handle.events()) late.push(event);
    expect(late).toEqual([]);
  });
});

describe("cancellation", () => {
  it("an aborted signal ends the run with status aborted at a safe boundary, the model call cancelled", async () => {
    const controller = new AbortController();
    const events: PublicEvent[] = [];
    const sessionDir = join(tempDir(), "s");
    const started = Date.now();
    const handle = run({
      chart: talkChart(),
      model: scriptedModel([{ firstTokenMs: 30_000, text: "never" }]),
      sessionDir,
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === "llm-request") setTimeout(() => controller.abort(), 20);
      },
    });
    const result = await handle;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ status: "aborted", finalConfig: ["talking"] });
    expect(result.error).toBeUndefined();
    const rows = await readAllRows(result.transcriptPath);
    expectTranscriptInvariants(rows, result);
    expectValidEvents(events);
    expect(events.at(-1)).toMatchObject({ type: "run-aborted", finalConfig: ["talking"] });
    expect(events.filter((event) => (terminalPublicEventTypes as readonly string[]).includes(event.type))).toHaveLength(1);
    expect(rows.some((row) => row.event === "llm/response")).toBe(false);
    expect(JSON.parse(readFileSync(join(sessionDir, "session.json"), "utf8")).status).toBe("aborted");
  });

  it("a signal aborted before the start ends the run at once, with a complete transcript", async () => {
    const result = await run({ chart: talkChart(), model: scriptedModel([]), sessionDir: join(tempDir(), "s"), signal: AbortSignal.abort() });
    expect(result.status).toBe("aborted");
    const rows = await readAllRows(result.transcriptPath);
    expectTranscriptInvariants(rows, result);
  });
});

describe("a chart that throws", () => {
  it("a child actor that throws ends the run with status error, category chart, nothing lost", async () => {
    const machine = setup({
      actors: {
        ...inlineActors,
        explode: fromPromise(async () => {
          await sleep(5);
          throw new Error("child exploded: disk on fire");
        }),
      },
    }).createMachine({
      id: "fragile",
      initial: "working",
      states: {
        working: { invoke: { id: "worker", src: "explode" } },
        done: { type: "final" },
      },
    });
    const { result, events, rows } = await runCollecting({
      chart: defineChart({ id: "fragile", machine }),
      model: scriptedModel([]),
      sessionDir: join(tempDir(), "s"),
    });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "chart", message: expect.stringContaining("child exploded: disk on fire") });
    expect(rows.find((row) => row.event === "runner/error")?.data).toMatchObject({ category: "chart" });
    expect(events.at(-1)).toMatchObject({ type: "run-error", category: "chart", message: expect.stringContaining("child exploded"), finalConfig: ["working"] });
    expect(events.filter((event) => event.type.startsWith("run-")).map((event) => event.type)).toEqual(["run-started", "run-error"]);
  });

  it("a machine whose entry action throws on start ends with status error naming the chart", async () => {
    const machine = setup({}).createMachine({
      id: "broken",
      initial: "a",
      states: {
        a: {
          entry: () => {
            throw new Error("bad entry");
          },
        },
      },
    });
    const { result, events } = await runCollecting({ chart: machine, model: scriptedModel([]), sessionDir: join(tempDir(), "s") });
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("chart");
    expect(result.error?.message).toContain("bad entry");
    expect(events.at(-1)?.type).toBe("run-error");
  });

  it("a model failure reaches the host as llm-error and the run ends categorized", async () => {
    const { result, events } = await runCollecting({
      chart: talkChart(),
      model: scriptedModel([{ error: { category: "auth", message: "key revoked" } }]),
      sessionDir: join(tempDir(), "s"),
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(events.find((event) => event.type === "llm-error")).toMatchObject({
      invokeId: "talker",
      category: "auth",
      message: expect.stringContaining("key revoked"),
    });
    // The chart has no transition for error.llm.auth: the runner ends the wedged run.
    expect(result).toMatchObject({ status: "error", error: { category: "wedged" } });
  });
});

describe("a model derived from config and credentials", () => {
  const config: ProjectConfigInput = {
    aliases: { default: [{ provider: "house", model: "house-model-1" }] },
    credentials: [{ name: "house", kind: "anthropic", baseURL: "http://house.test/v1" }],
  };

  it("serves the chart through the router, with the key from credentials and nothing written of it", async () => {
    const network = fakeNetwork();
    network.enqueue("house.test", { tool: { id: "toolu_1", name: "finish", input: { note: "from the house" } } });
    const sessionDir = join(tempDir(), "s");
    const { result, events } = await runCollecting({
      chart: talkChart(),
      config,
      credentials: { house: "sk-house-5e3a1c" },
      fetch: network.fetch,
      sessionDir,
    });
    expect(result.status).toBe("done");
    expect(network.requests).toHaveLength(1);
    expect(network.requests[0]).toMatchObject({ url: "http://house.test/v1/messages", headers: { "x-api-key": "sk-house-5e3a1c" } });
    expect(events.find((event) => event.type === "llm-response")).toMatchObject({ target: "house:house-model-1" });
    for (const file of filesUnder(sessionDir)) expect(readFileSync(file, "utf8"), file).not.toContain("sk-house-5e3a1c");
  });

  it("a missing key is a categorized model error, not a read of the environment", async () => {
    const network = fakeNetwork();
    const { events } = await runCollecting({
      chart: talkChart(),
      config: { aliases: { default: [{ provider: "anthropic", model: "claude-x" }] } },
      fetch: network.fetch,
      sessionDir: join(tempDir(), "s"),
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(network.requests).toHaveLength(0);
    expect(events.find((event) => event.type === "llm-fallback")).toMatchObject({ reason: "down", from: "anthropic:claude-x", category: "auth" });
    expect(events.find((event) => event.type === "llm-error")).toMatchObject({
      category: "auth",
      message: expect.stringContaining('provider "anthropic" (anthropic) has no API key'),
    });
  });
});

describe("hermetic: nothing is read from env vars or config files", () => {
  const poison = {
    ANTHROPIC_API_KEY: "sk-env-poison-anthropic",
    ANTHROPIC_BASE_URL: "http://env-poison.test/v1",
    OPENAI_API_KEY: "sk-env-poison-openai",
    OPENAI_BASE_URL: "http://env-poison.test/v1",
    OPENROUTER_API_KEY: "sk-env-poison-openrouter",
    OLLAMA_HOST: "env-poison.test:1",
    ESCAPEMENT_CONFIG: "/env-poison/.escapement.json",
  };
  let savedEnv: NodeJS.ProcessEnv;
  let savedCwd: string;
  let reads: Set<string>;
  let project: string;

  beforeEach(() => {
    savedEnv = process.env;
    savedCwd = process.cwd();
    project = tempDir("escapement-hermetic-");
    // A config that would break any run that read it: invalid JSON, and a sibling that routes elsewhere.
    writeFileSync(join(project, ".escapement.json"), '{ "aliases": { "default": [ this is not json');
    process.chdir(project);
    reads = new Set();
    const env: NodeJS.ProcessEnv = { ...savedEnv, ...poison };
    process.env = new Proxy(env, {
      get: (target, key) => {
        if (typeof key === "string") reads.add(key);
        return Reflect.get(target, key);
      },
      has: (target, key) => {
        if (typeof key === "string") reads.add(key);
        return Reflect.has(target, key);
      },
    });
  });

  afterEach(() => {
    // The spy works: a read of a poisoned key is seen (the runs above would have shown up the same way).
    expect(process.env.ANTHROPIC_API_KEY).toBe(poison.ANTHROPIC_API_KEY);
    expect(reads.has("ANTHROPIC_API_KEY")).toBe(true);
    process.env = savedEnv;
    process.chdir(savedCwd);
  });

  it("a run on a given model ignores the poisoned env and the .escapement.json in the working directory", async () => {
    const sessionDir = join(tempDir(), "s");
    const { result } = await runCollecting({ chart: talkChart(), model: scriptedModel([reply("Hello")]), sessionDir, workDir: project });
    expect(result.status).toBe("done");
    expect([...reads].filter((key) => key in poison)).toEqual([]);
  });

  it("a config-derived run uses only the given credentials and base URL", async () => {
    const network = fakeNetwork();
    network.enqueue("house.test", { tool: { id: "toolu_1", name: "finish", input: {} } });
    const sessionDir = join(tempDir(), "s");
    const { result } = await runCollecting({
      chart: talkChart(),
      config: {
        aliases: { default: [{ provider: "house", model: "m1" }], fast: [{ provider: "openai", model: "gpt-x" }] },
        credentials: [{ name: "house", kind: "anthropic", baseURL: "http://house.test/v1", apiKeyEnv: "ANTHROPIC_API_KEY" }],
      },
      credentials: { house: "sk-given-7f2e" },
      fetch: network.fetch,
      sessionDir,
      workDir: project,
    });
    expect(result.status).toBe("done");
    expect(network.requests.map((request) => [request.url, request.headers["x-api-key"]])).toEqual([["http://house.test/v1/messages", "sk-given-7f2e"]]);
    expect([...reads].filter((key) => key in poison)).toEqual([]);
    for (const file of filesUnder(sessionDir)) {
      const text = readFileSync(file, "utf8");
      for (const value of [...Object.values(poison), "sk-given-7f2e"]) expect(text, file).not.toContain(value);
    }
  });

  it("validateOptions reads nothing either", () => {
    const options = { chart: talkChart(), config: { aliases: { default: [{ provider: "anthropic", model: "claude-x" }] } }, credentials: { anthropic: "k" } };
    expect(validateOptions(options)).toEqual({ ok: true });
    expect([...reads].filter((key) => key in poison)).toEqual([]);
  });
});

describe("isolation: two runs at once in one process", () => {
  it("keep their configs, credentials, tools, loggers and events apart", async () => {
    const network = fakeNetwork();
    const ran: string[] = [];
    const toolFor = (name: string) =>
      defineTool({
        name,
        description: `the ${name} tool`,
        input: z.object({}),
        execute: async () => {
          ran.push(name);
          await sleep(10);
          return { output: `${name} ok` };
        },
      });
    // Each provider answers a tool call, then finish; delays interleave the two runs.
    network.enqueue(
      "alpha.test",
      { tool: { id: "a1", name: "alpha_tool", input: {} }, delayMs: 20 },
      { tool: { id: "a2", name: "finish", input: { note: "alpha" } }, delayMs: 5 },
    );
    network.enqueue(
      "beta.test",
      { tool: { id: "b1", name: "beta_tool", input: {} }, delayMs: 5 },
      { tool: { id: "b2", name: "finish", input: { note: "beta" } }, delayMs: 20 },
    );
    const logA = memoryLogger();
    const logB = memoryLogger();
    const eventsA: PublicEvent[] = [];
    const eventsB: PublicEvent[] = [];
    const root = tempDir();
    const a = run({
      chart: talkChart({ id: "alpha-chart", realTools: ["alpha_tool"] }),
      config: {
        aliases: { default: [{ provider: "alpha", model: "alpha-1" }] },
        credentials: [{ name: "alpha", kind: "anthropic", baseURL: "http://alpha.test/v1" }],
        ratings: { default: { quality: 5 } },
      },
      credentials: { alpha: "key-alpha" },
      fetch: network.fetch,
      tools: [toolFor("alpha_tool")],
      log: logA,
      onEvent: (event) => eventsA.push(event),
      sessionsRoot: root,
    });
    const b = run({
      chart: talkChart({ id: "beta-chart", realTools: ["beta_tool"] }),
      config: {
        aliases: { default: [{ provider: "beta", model: "beta-1" }] },
        credentials: [{ name: "beta", kind: "openai-compatible", baseURL: "http://beta.test/v1" }],
        ratings: { default: { quality: 1 } },
      },
      credentials: { beta: "key-beta" },
      fetch: network.fetch,
      tools: new ToolRegistry([toolFor("beta_tool")]),
      log: logB,
      onEvent: (event) => eventsB.push(event),
      sessionsRoot: root,
    });
    const [resultA, resultB] = await Promise.all([a, b]);
    expect(resultA.status).toBe("done");
    expect(resultB.status).toBe("done");
    expect(resultA.sessionDir).not.toBe(resultB.sessionDir);
    expect(resultA.runId).not.toBe(resultB.runId);
    expect(ran.sort()).toEqual(["alpha_tool", "beta_tool"]);

    // The network saw each run's requests at its own provider with its own key, and offered only its own tools.
    const toolNames = (body: any): string[] => (body.tools ?? []).map((tool: any) => tool.name ?? tool.function?.name);
    for (const request of network.requests) {
      if (request.host === "alpha.test") {
        expect(request.headers["x-api-key"]).toBe("key-alpha");
        expect(toolNames(request.body)).toEqual(["alpha_tool", "finish"]);
      } else {
        expect(request.host).toBe("beta.test");
        expect(request.headers.authorization).toBe("Bearer key-beta");
        expect(toolNames(request.body)).toEqual(["beta_tool", "finish"]);
      }
    }
    expect(network.requests.filter((request) => request.host === "alpha.test")).toHaveLength(2);
    expect(network.requests.filter((request) => request.host === "beta.test")).toHaveLength(2);

    // Events and logs carry only their own run.
    expectValidEvents([...eventsA, ...eventsB]);
    expect(new Set(eventsA.map((event) => `${event.sessionId} ${event.runId}`))).toEqual(new Set([`${resultA.sessionId} ${resultA.runId}`]));
    expect(new Set(eventsB.map((event) => `${event.sessionId} ${event.runId}`))).toEqual(new Set([`${resultB.sessionId} ${resultB.runId}`]));
    expect(eventsA.filter((event) => event.type === "llm-response").map((event) => event.type === "llm-response" && event.target)).toEqual([
      "alpha:alpha-1",
      "alpha:alpha-1",
    ]);
    expect(eventsB.filter((event) => event.type === "llm-response").map((event) => event.type === "llm-response" && event.target)).toEqual([
      "beta:beta-1",
      "beta:beta-1",
    ]);
    expect(logA.lines.length).toBeGreaterThan(0);
    expect(logA.lines.every((line) => line.includes(resultA.runId) && !line.includes(resultB.runId))).toBe(true);
    expect(logB.lines.every((line) => line.includes(resultB.runId) && !line.includes(resultA.runId))).toBe(true);
    // The transcripts are whole and separate.
    for (const result of [resultA, resultB]) expectTranscriptInvariants(await readAllRows(result.transcriptPath), result);
  });
});

const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)])) : [];

/** Bad options: validateOptions names every problem by path; run() rejects with the same issues and writes nothing. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { diskStore, isRunOptionsError, run, RunOptionsError, validateOptions, type OptionIssue, type RunOptions } from "../../src/index.js";
import { runOptionNames } from "../../src/lib/options.js";
import { scriptedModel } from "../../src/llm/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import { talkChart, tempDir } from "./helpers.js";

const chart = talkChart();
const model = scriptedModel([]);

const issuesOf = (options: unknown): OptionIssue[] => {
  const result = validateOptions(options);
  return result.ok ? [] : result.issues;
};

const tool = (name: string) => defineTool({ name, description: name, input: z.object({}), execute: async () => ({ output: "ok" }) });

describe("validateOptions", () => {
  it("accepts a minimal run and every option", () => {
    expect(validateOptions({ chart, model })).toEqual({ ok: true });
    const everything: Required<RunOptions> = {
      chart,
      model,
      config: { aliases: { default: [{ provider: "anthropic", model: "claude-x" }] } },
      credentials: { anthropic: "sk-x" },
      fetch: globalThis.fetch,
      middleware: [{ specificationVersion: "v3", transformParams: async ({ params }) => params }],
      hooks: { onStepStart: () => {}, onConversationEnd: () => {} },
      tools: [tool("t1")],
      toolEnv: { PATH: "/usr/bin" },
      human: { ask: async () => ({ value: 1 }) },
      input: { name: "Grace", tags: ["a"], nested: { n: 1, ok: true, none: null } },
      store: diskStore({ root: "/tmp/sessions", cwd: "/tmp" }),
      sessionDir: "/tmp/x",
      sessionsRoot: "/tmp",
      resume: "/tmp/y",
      workDir: "/tmp/w",
      permissions: { fs_write: { "src/**": "allow", "**": "ask" }, web_fetch: "deny" },
      sandbox: { mode: "required", network: false },
      clock: { now: Date.now, setTimeout: () => 0, clearTimeout: () => {} },
      ids: { sessionId: () => "s", runId: () => "r", token: () => "t" },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      onEvent: () => {},
      inspect: { inspect: { next: () => {} } },
      loopThreshold: false,
      maxParallelTools: 2,
      toolTimeoutMs: 30_000,
      toolLoopThreshold: false,
      wedge: { intervalMs: 10, cycles: 3 },
      park: { afterMs: 1000, timerMs: 60_000 },
      tracerProvider: trace.getTracerProvider(),
    };
    expect(Object.keys(everything).sort()).toEqual([...runOptionNames].sort());
    // Only the pairs that exclude each other are reported (middleware applies to a config-built model only).
    expect(issuesOf(everything).map((issue) => issue.path)).toEqual(["sessionsRoot", "sessionsRoot", "resume", "middleware"]);
  });

  it("rejects unknown keys, naming each and guessing the intended one", () => {
    expect(issuesOf({ chart, model, modle: model, sessionDirectory: "/tmp/x" })).toEqual([
      { path: "modle", message: expect.stringMatching(/^unknown option "modle" \(known: chart, model, .*\); did you mean "model"\?$/) },
      { path: "sessionDirectory", message: expect.stringContaining('unknown option "sessionDirectory"') },
    ]);
    expect(issuesOf({ chart, model, wedge: { intervalMs: 1, cycles: 1, cylces: 2 } })).toEqual([
      { path: "wedge.cylces", message: 'unknown option "cylces" (known: intervalMs, cycles); did you mean "cycles"?' },
    ]);
  });

  it("rejects a chart without a machine, and other things that are not charts", () => {
    expect(issuesOf({ chart: { id: "x" }, model })).toEqual([
      { path: "chart.machine", message: expect.stringContaining("missing: a chart definition needs the xstate machine") },
    ]);
    expect(issuesOf({ chart: { id: "x", machine: { states: {} } }, model })).toEqual([
      { path: "chart.machine", message: "not an xstate state machine (createMachine / setup().createMachine)" },
    ]);
    expect(issuesOf({ chart: { machine: chart.machine }, model })).toEqual([{ path: "chart.id", message: expect.stringContaining("non-empty string id") }]);
    expect(issuesOf({ chart: "examples/hello", model })).toEqual([{ path: "chart", message: expect.stringContaining("expected a chart") }]);
    expect(issuesOf({ model })).toEqual([{ path: "chart", message: expect.stringContaining("expected a chart") }]);
    // A bare machine is a chart.
    expect(validateOptions({ chart: setup({}).createMachine({ id: "bare" }), model })).toEqual({ ok: true });
  });

  it("rejects a credential for an unknown provider, with the known ones", () => {
    expect(issuesOf({ chart, model, credentials: { antropic: "sk-x" } })).toEqual([
      { path: "credentials.antropic", message: 'unknown provider "antropic" (known: anthropic, openai, openrouter, zai, ollama); did you mean "anthropic"?' },
    ]);
    const config = { credentials: [{ name: "house", kind: "openai-compatible", baseURL: "http://house.test/v1" }] };
    expect(issuesOf({ chart, model, config, credentials: { hose: "k" } })).toEqual([
      { path: "credentials.hose", message: expect.stringContaining('unknown provider "hose" (known: house, anthropic') },
    ]);
    expect(issuesOf({ chart, model, credentials: { anthropic: 42 } })).toEqual([
      { path: "credentials.anthropic", message: "expected an API key (a string or a Secret)" },
    ]);
  });

  it("rejects a config credential descriptor of an unknown provider kind, and targets of unknown providers, under config.*", () => {
    expect(issuesOf({ chart, model, config: { credentials: [{ name: "mine", kind: "antropic" }] } })).toEqual([
      { path: "config.credentials[0].kind", message: expect.stringMatching(/^unknown provider kind "antropic" .*did you mean "anthropic"\?$/) },
    ]);
    expect(issuesOf({ chart, config: { aliases: { default: [{ provider: "house", model: "m" }] } } })).toEqual([
      { path: "config.aliases.default[0].provider", message: expect.stringContaining('unknown provider "house"') },
    ]);
    expect(issuesOf({ chart, model, config: "{ not json" })).toEqual([
      { path: "config", message: expect.stringMatching(/^invalid JSON: .*\(line 1, column \d+\)$/) },
    ]);
    expect(issuesOf({ chart, model, config: { alias: {} } })).toEqual([{ path: "config.alias", message: expect.stringContaining('did you mean "aliases"?') }]);
  });

  it("needs a model from somewhere", () => {
    expect(issuesOf({ chart })).toEqual([{ path: "model", message: expect.stringContaining("no model: pass `model`") }]);
    expect(issuesOf({ chart, config: {} })).toEqual([{ path: "model", message: expect.stringContaining("defines none") }]);
    expect(issuesOf({ chart, model: { call: "nope" } })).toEqual([{ path: "model", message: expect.stringContaining("expected a ModelClient") }]);
    expect(validateOptions({ chart, config: { aliases: { default: [{ provider: "anthropic", model: "claude-x" }] } } })).toEqual({ ok: true });
  });

  it("checks tools: a registry or a list, names unique, the chart's own tools not clashing", () => {
    expect(issuesOf({ chart, model, tools: "all" })).toEqual([{ path: "tools", message: "expected a ToolRegistry or an array of tools" }]);
    expect(issuesOf({ chart, model, tools: [tool("a"), tool("a")] })).toEqual([{ path: "tools[1]", message: 'a tool named "a" is already registered' }]);
    expect(issuesOf({ chart, model, tools: [tool("bad name")] })).toEqual([
      { path: "tools[0]", message: expect.stringContaining('invalid tool name "bad name"') },
    ]);
    expect(validateOptions({ chart, model, tools: new ToolRegistry([tool("a")]) })).toEqual({ ok: true });
    const clashing = { ...talkChart(), tools: [tool("fs_read")] };
    expect(issuesOf({ chart: clashing, model })).toEqual([{ path: "chart.tools[0]", message: 'a tool named "fs_read" is already registered' }]);
    // A list replaces the built-ins, so the chart's tool fits beside it.
    expect(validateOptions({ chart: clashing, model, tools: [tool("a")] })).toEqual({ ok: true });
  });

  it("checks that input is JSON data", () => {
    expect(issuesOf({ chart, model, input: { when: new Date(0) } })).toEqual([
      { path: "input.when", message: expect.stringContaining("not JSON data: a Date") },
    ]);
    expect(issuesOf({ chart, model, input: { n: [1, Number.NaN] } })).toEqual([{ path: "input.n[1]", message: "not JSON data: NaN" }]);
    expect(issuesOf({ chart, model, input: { f: () => 1 } })).toEqual([{ path: "input.f", message: "not JSON data: a function" }]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(issuesOf({ chart, model, input: cyclic })).toEqual([{ path: "input.self", message: "not JSON data: a cycle" }]);
  });

  it("checks the plain values", () => {
    expect(
      issuesOf({ chart, model, loopThreshold: 0, wedge: { intervalMs: 10 }, sessionDir: "", signal: {}, onEvent: "log" })
        .map((issue) => issue.path)
        .sort(),
    ).toEqual(["loopThreshold", "onEvent", "sessionDir", "signal", "wedge.cycles"].sort());
    expect(issuesOf(null)).toEqual([{ path: "(options)", message: expect.stringContaining("expected an options object") }]);
  });
});

describe("run() with bad options", () => {
  it("rejects with RunOptionsError carrying the same issues, and writes nothing", async () => {
    const sessionDir = join(tempDir(), "never");
    const options = { chart: { id: "x" }, model, sessionDir, credentials: { antropic: "k" }, extra: true } as unknown as RunOptions;
    const expected = issuesOf(options);
    expect(expected.map((issue) => issue.path)).toEqual(["chart.machine", "extra", "credentials.antropic"]);
    const handle = run(options);
    const error = await handle.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(RunOptionsError);
    expect(isRunOptionsError(error)).toBe(true);
    expect((error as RunOptionsError).issues).toEqual(expected);
    expect((error as RunOptionsError).category).toBe("invalid-options");
    expect((error as Error).message).toContain("chart.machine: missing");
    expect((error as Error).message).toContain('extra: unknown option "extra"');
    expect(existsSync(sessionDir)).toBe(false);
  });

  it("events() throws the same error (and the handle need not be awaited)", async () => {
    const handle = run({ chart: { id: "x" } } as unknown as RunOptions);
    await expect(
      (async () => {
        for await (const _event of handle.events()) {
          // never reached
        }
      })(),
    ).rejects.toBeInstanceOf(RunOptionsError);
  });

  it("a session directory already in use rejects with a categorized SessionError", async () => {
    const sessionDir = join(tempDir(), "s");
    expect((await run({ chart, model: scriptedModel([{ events: [{ name: "finish", payload: {} }] }]), sessionDir })).status).toBe("done");
    await expect(run({ chart, model, sessionDir })).rejects.toMatchObject({ name: "SessionError", code: "session-exists" });
  });
});

import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  LlmError,
  ScriptParseError,
  defaultScriptedAliases,
  parseScript,
  readScriptFile,
  scriptedModel,
  virtualClock,
  type ModelDelta,
  type ModelRequest,
  type ScriptClock,
} from "../../src/llm/index.js";

const request = (overrides: Partial<ModelRequest> & { user?: string; stateId?: string; turn?: number } = {}) => {
  const { user = "hello", stateId = "main", turn = 1, ...rest }: typeof overrides = overrides;
  return {
    model: "default",
    system: "You are a test.",
    messages: [{ role: "user", content: [{ type: "text", text: user }] }],
    tools: [],
    params: {},
    stream: false,
    origin: { invokeId: "inv-1", stateId, turn },
    ...rest,
  } satisfies ModelRequest;
};

const signal = () => new AbortController().signal;

const rejection = async (promise: Promise<unknown>): Promise<LlmError> => {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
};

describe("scripted model", () => {
  it("answers steps in order and records every request", async () => {
    const model = scriptedModel([{ text: "one" }, { text: "two" }]);
    const first = await model.call(request({ user: "a" }), { signal: signal() });
    const second = await model.call(request({ user: "b" }), { signal: signal() });
    expect(first.content).toEqual([{ type: "text", text: "one" }]);
    expect(second.content).toEqual([{ type: "text", text: "two" }]);
    expect(first.stopReason).toBe("end_turn");
    expect(first.target).toBe("scripted");
    expect(model.calls.map((call) => call.messages[0]?.content[0])).toEqual([
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ]);
    model.assertComplete();
  });

  it("records requests as they were at call time", async () => {
    const model = scriptedModel([{ text: "ok" }]);
    const sent = request();
    await model.call(sent, { signal: signal() });
    sent.messages.push({ role: "assistant", content: [{ type: "text", text: "later" }] });
    expect(model.calls[0]?.messages).toHaveLength(1);
  });

  it("derives usage from request and reply, and merges overrides", async () => {
    const model = scriptedModel([{ text: "12345678" }, { text: "x", usage: { output: 99, cacheRead: 5 } }]);
    const derived = await model.call(request({ system: "", user: "abcd" }), { signal: signal() });
    expect(derived.usage).toEqual({ input: 1, output: 2, cacheRead: 0, cacheWrite: 0 });
    const overridden = await model.call(request({ system: "", user: "abcd" }), { signal: signal() });
    expect(overridden.usage).toEqual({ input: 1, output: 99, cacheRead: 5, cacheWrite: 0 });
  });

  it("turns tool calls and event calls into tool-call blocks with deterministic ids", async () => {
    const model = scriptedModel([
      {
        text: "Reading.",
        toolCalls: [
          { name: "read_file", input: { path: "a.txt" } },
          { name: "shell", input: {}, id: "mine" },
        ],
        events: [{ name: "submit", payload: { verdict: "ok" } }],
      },
      { events: [{ name: "done" }] },
    ]);
    const first = await model.call(request(), { signal: signal() });
    expect(first.content).toEqual([
      { type: "text", text: "Reading." },
      { type: "tool-call", id: "call_1", name: "read_file", input: { path: "a.txt" } },
      { type: "tool-call", id: "mine", name: "shell", input: {} },
      { type: "tool-call", id: "call_2", name: "submit", input: { verdict: "ok" } },
    ]);
    expect(first.stopReason).toBe("tool_use");
    const second = await model.call(request(), { signal: signal() });
    expect(second.content).toEqual([{ type: "tool-call", id: "call_3", name: "done", input: {} }]);
  });

  it("uses an injected id generator and a stop reason override", async () => {
    let n = 0;
    const model = scriptedModel([{ text: "cut", toolCalls: [{ name: "t" }], stopReason: "max_tokens" }], {
      nextId: () => `id-${++n}`,
    });
    const response = await model.call(request(), { signal: signal() });
    expect(response.stopReason).toBe("max_tokens");
    expect(response.content[1]).toMatchObject({ type: "tool-call", id: "id-1" });
  });

  it("puts thinking before text", async () => {
    const model = scriptedModel([{ thinking: "hmm", text: "answer" }]);
    const response = await model.call(request(), { signal: signal() });
    expect(response.content).toEqual([
      { type: "thinking", text: "hmm" },
      { type: "text", text: "answer" },
    ]);
  });

  it("picks the step list by origin.stateId, falling back to default", async () => {
    const model = scriptedModel({
      byState: { left: [{ text: "L1" }, { text: "L2" }], right: [{ text: "R1" }] },
      default: [{ text: "D1" }],
    });
    const reply = async (stateId: string) => {
      const response = await model.call(request({ stateId }), { signal: signal() });
      return response.content[0];
    };
    expect(await reply("right")).toEqual({ type: "text", text: "R1" });
    expect(await reply("left")).toEqual({ type: "text", text: "L1" });
    expect(await reply("other")).toEqual({ type: "text", text: "D1" });
    expect(await reply("left")).toEqual({ type: "text", text: "L2" });
    model.assertComplete();
  });

  it("computes function steps from the request", async () => {
    const model = scriptedModel([(req) => ({ text: `echo: ${req.origin.turn}` })]);
    const response = await model.call(request({ turn: 7 }), { signal: signal() });
    expect(response.content).toEqual([{ type: "text", text: "echo: 7" }]);
  });

  describe("streaming", () => {
    it("splits plain text into word-ish deltas without waiting", async () => {
      const clock = virtualClock();
      const model = scriptedModel([{ text: "The quick brown fox." }], { clock });
      const deltas: ModelDelta[] = [];
      const response = await model.call(request({ stream: true }), {
        signal: signal(),
        onDelta: (delta) => deltas.push(delta),
      });
      expect(deltas.map((delta) => delta.text)).toEqual(["The ", "quick ", "brown ", "fox."]);
      expect(deltas.every((delta) => delta.kind === "text")).toBe(true);
      expect(response.content).toEqual([{ type: "text", text: "The quick brown fox." }]);
      expect(clock.sleeps).toEqual([]);
      expect(response.ttftMs).toBe(0);
    });

    it("does not call onDelta when the request is not streamed", async () => {
      const model = scriptedModel([{ text: "a b c" }], { clock: virtualClock() });
      const deltas: ModelDelta[] = [];
      const response = await model.call(request(), { signal: signal(), onDelta: (delta) => deltas.push(delta) });
      expect(deltas).toEqual([]);
      expect(response.ttftMs).toBeUndefined();
    });

    it("applies first-token and per-delta delays with the injected clock", async () => {
      const clock = virtualClock(1000);
      const model = scriptedModel(
        [
          {
            firstTokenMs: 300,
            deltas: [{ text: "plan", kind: "thinking", afterMs: 20 }, { text: "Hel" }, { text: "lo", afterMs: 50 }],
          },
        ],
        { clock },
      );
      const seen: Array<{ at: number; delta: ModelDelta }> = [];
      const response = await model.call(request({ stream: true }), {
        signal: signal(),
        onDelta: (delta) => seen.push({ at: clock.now(), delta }),
      });
      expect(clock.sleeps).toEqual([300, 20, 50]);
      expect(seen).toEqual([
        { at: 1320, delta: { kind: "thinking", text: "plan" } },
        { at: 1320, delta: { kind: "text", text: "Hel" } },
        { at: 1370, delta: { kind: "text", text: "lo" } },
      ]);
      expect(response.ttftMs).toBe(320);
      expect(response.content).toEqual([
        { type: "thinking", text: "plan" },
        { type: "text", text: "Hello" },
      ]);
    });

    it("keeps a remote model's schedule: a consumer that wakes late gets the overdue fragments at once", async () => {
      // Every wait ends 12 ms late, as on a busy event loop.
      let time = 0;
      const sleeps: number[] = [];
      const late: ScriptClock = {
        now: () => time,
        sleep: async (ms) => {
          sleeps.push(ms);
          time += ms + 12;
        },
      };
      const deltas = ["a ", "b ", "c ", "d ", "e "].map((text) => ({ text, afterMs: 5 }));
      const model = scriptedModel([{ firstTokenMs: 100, deltas }], { clock: late });
      const seen: { at: number; text: string }[] = [];
      const response = await model.call(request({ stream: true }), {
        signal: new AbortController().signal,
        onDelta: (delta) => seen.push({ at: time, text: delta.text }),
      });
      // Fragments are due at 105, 110, ... 125. The first wait ends at 112: "a " and "b " are overdue
      // and come at once; "c " is 3 ms away; that wait ends at 127, when "c ", "d " and "e " are due.
      expect(sleeps).toEqual([100, 3]);
      expect(seen).toEqual([
        { at: 112, text: "a " },
        { at: 112, text: "b " },
        { at: 127, text: "c " },
        { at: 127, text: "d " },
        { at: 127, text: "e " },
      ]);
      expect(response.content).toEqual([{ type: "text", text: "a b c d e " }]);
    });

    it("rejects with an aborted LlmError when aborted during a wait", async () => {
      const stalled: ScriptClock = { now: () => 0, sleep: () => new Promise(() => {}) };
      const model = scriptedModel([{ firstTokenMs: 5_000, text: "never" }], { clock: stalled });
      const controller = new AbortController();
      const pending = model.call(request({ stateId: "slow" }), { signal: controller.signal });
      controller.abort(new Error("state left"));
      const error = await rejection(pending);
      expect(error.category).toBe("aborted");
      expect(error.message).toContain('state "slow"');
    });

    it("stops a real-timer wait promptly on abort", async () => {
      const model = scriptedModel([{ deltas: [{ text: "a" }, { text: "b", afterMs: 60_000 }] }]);
      const controller = new AbortController();
      const deltas: ModelDelta[] = [];
      const pending = model.call(request({ stream: true }), {
        signal: controller.signal,
        onDelta: (delta) => {
          deltas.push(delta);
          setTimeout(() => controller.abort(), 5);
        },
      });
      const started = performance.now();
      expect((await rejection(pending)).category).toBe("aborted");
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(deltas).toEqual([{ kind: "text", text: "a" }]);
    });

    it("rejects at once when the signal is already aborted", async () => {
      const model = scriptedModel([{ text: "x" }]);
      const controller = new AbortController();
      controller.abort();
      expect((await rejection(model.call(request(), { signal: controller.signal }))).category).toBe("aborted");
    });
  });

  it("rejects with an LlmError of the scripted category, after an optional delay", async () => {
    const clock = virtualClock();
    const model = scriptedModel(
      [
        { error: { category: "rate-limited", message: "slow down", status: 429, retryAfterMs: 2000 } },
        { error: { category: "auth", message: "bad key", status: 401 }, afterMs: 40 },
        { text: "recovered" },
      ],
      { clock },
    );
    const limited = await rejection(model.call(request(), { signal: signal() }));
    expect(limited).toMatchObject({ category: "rate-limited", message: "slow down", status: 429, retryAfterMs: 2000 });
    expect(limited.transient).toBe(true);
    const auth = await rejection(model.call(request(), { signal: signal() }));
    expect(auth).toMatchObject({ category: "auth", status: 401 });
    expect(clock.sleeps).toEqual([40]);
    expect((await model.call(request(), { signal: signal() })).content).toEqual([{ type: "text", text: "recovered" }]);
  });

  it("names the request when the script is exhausted", async () => {
    const model = scriptedModel({ byState: { review: [{ text: "only" }] } });
    await model.call(request({ stateId: "review" }), { signal: signal() });
    const exhausted = await rejection(
      model.call(request({ stateId: "review", turn: 2, user: "Please check the second file carefully" }), {
        signal: signal(),
      }),
    );
    expect(exhausted.category).toBe("script-exhausted");
    expect(exhausted.message).toContain('byState["review"]');
    expect(exhausted.message).toContain('state "review"');
    expect(exhausted.message).toContain("turn 2");
    expect(exhausted.message).toContain('last user: "Please check the second file carefully"');

    const unknown = await rejection(model.call(request({ stateId: "elsewhere" }), { signal: signal() }));
    expect(unknown.category).toBe("script-exhausted");
    expect(unknown.message).toContain('no script for state "elsewhere"');
    expect(unknown.message).toContain('"review"');
  });

  it("assertComplete lists every unconsumed step per list", async () => {
    const model = scriptedModel({
      byState: {
        plan: [{ text: "p1" }, { toolCalls: [{ name: "write_file" }] }],
        act: [{ events: [{ name: "done" }] }],
      },
      default: [{ error: { category: "overloaded", message: "busy" } }, () => ({ text: "dyn" })],
    });
    await model.call(request({ stateId: "plan" }), { signal: signal() });
    let message = "";
    try {
      model.assertComplete();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      [
        "scripted model: 4 step(s) not consumed:",
        '  byState["plan"] #2: toolCalls [write_file]',
        '  byState["act"] #1: events [done]',
        '  default #1: error overloaded "busy"',
        "  default #2: function step",
      ].join("\n"),
    );
  });

  it("rejects with script-mismatch when a step's expectation is not met", async () => {
    const model = scriptedModel([
      { expect: { lastUserIncludes: "tests pass", stateId: "verify" }, text: "ok" },
      { expect: (req) => req.tools.length > 0, text: "ok" },
    ]);
    const mismatch = await rejection(model.call(request({ stateId: "build", turn: 3, user: "tests fail" }), { signal: signal() }));
    expect(mismatch.category).toBe("script-mismatch");
    expect(mismatch.message).toContain('script #1 (text "ok")');
    expect(mismatch.message).toContain('state "build", turn 3');
    expect(mismatch.message).toContain('last user message does not include "tests pass"');
    expect(mismatch.message).toContain('stateId is "build", expected "verify"');
    const predicate = await rejection(model.call(request(), { signal: signal() }));
    expect(predicate.message).toContain("the expect predicate returned false");
  });

  it("accepts an expectation that holds", async () => {
    const model = scriptedModel([{ expect: { lastUserIncludes: "ell", systemIncludes: "test", model: "default", turn: 1 }, text: "ok" }]);
    expect((await model.call(request(), { signal: signal() })).content).toEqual([{ type: "text", text: "ok" }]);
  });

  describe("aliases", () => {
    it("accepts the default aliases and rejects others naming the known ones", async () => {
      const model = scriptedModel([]);
      for (const alias of defaultScriptedAliases) model.assertAlias(alias);
      let error: unknown;
      try {
        model.assertAlias("huge");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(LlmError);
      expect(error).toMatchObject({ category: "unknown-alias" });
      expect((error as Error).message).toContain('"huge"');
      expect((error as Error).message).toContain("default, fast, smart");
    });

    it("uses configured aliases and checks the request's model", async () => {
      const model = scriptedModel([{ text: "x" }], { aliases: ["cheap"] });
      model.assertAlias("cheap");
      const error = await rejection(model.call(request({ model: "default" }), { signal: signal() }));
      expect(error.category).toBe("unknown-alias");
    });
  });
});

describe("parseScript", () => {
  it("accepts a valid list and a byState script", () => {
    expect(parseScript('[{"text":"hi"},{"events":[{"name":"done","payload":{}}]}]', "inline")).toHaveLength(2);
    const script = parseScript({ byState: { a: [{ deltas: [{ text: "x", afterMs: 5 }], firstTokenMs: 10 }] }, default: [] }, "inline");
    expect(script).toMatchObject({ byState: { a: [{ firstTokenMs: 10 }] } });
  });

  it("names the source and path of every problem", () => {
    let error: unknown;
    try {
      parseScript(
        {
          byState: {
            review: [{ text: "ok" }, { error: { category: "nope", message: "x" } }],
            "two words": [{ toolcalls: [] }],
          },
        },
        "examples/review/script.json",
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScriptParseError);
    const parsed = error as ScriptParseError;
    expect(parsed.source).toBe("examples/review/script.json");
    expect(parsed.issues.map((issue) => issue.path)).toEqual(["byState.review[1].error.category", 'byState["two words"][0]']);
    expect(parsed.message).toContain("examples/review/script.json");
    expect(parsed.message).toContain("at byState.review[1].error.category:");
    expect(parsed.message).toContain("toolcalls");
  });

  it("rejects mixed step shapes with a path", () => {
    const issues = (json: unknown) => {
      try {
        parseScript(json, "s.json");
      } catch (error) {
        return (error as ScriptParseError).issues;
      }
      return [];
    };
    expect(issues([{}, { text: "a", deltas: [] }])).toEqual([{ path: "[1].deltas", message: "a step has either text or deltas, not both" }]);
    expect(issues([{ error: { category: "auth", message: "m" }, text: "a" }])[0]?.path).toBe("[0].text");
    expect(issues([{ text: "a", afterMs: 3 }])[0]?.path).toBe("[0].afterMs");
    expect(issues([{ deltas: [{ text: "a", afterMs: -1 }] }])[0]?.path).toBe("[0].deltas[0].afterMs");
    expect(issues("{not json")[0]?.message).toMatch(/^invalid JSON/);
    expect(issues(42)[0]).toMatchObject({ path: "(root)" });
  });

  it("reads a script file and drives a model with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "escapement-script-"));
    const path = join(dir, "script.json");
    await writeFile(path, JSON.stringify([{ text: "from file" }]));
    const model = scriptedModel(await readScriptFile(path));
    const response = await model.call(request(), { signal: signal() });
    expect(response.content).toEqual([{ type: "text", text: "from file" }]);
  });
});

/**
 * Child-session fleets in one process: `spawnChildren` runs a child session per input, reports
 * their outcomes in input order, mirrors their conversations into the parent's transcript, routes
 * `tellChild` events, aborts them when its state is left, and turns bad input into a categorized end.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { assign, raise, setup } from "xstate";
import { describe, expect, it } from "vitest";
import { askHuman, converse, defineChart, inlineActors, readScriptFile, spawnChildren, tellChild, type FleetChildResult } from "../../src/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { ScriptedHuman } from "../../src/human/index.js";
import { DebugGate } from "../../src/debug/index.js";
import type { RunResult } from "../../src/engine/index.js";
import { readAllRows, readBlob, type TranscriptRow } from "../../src/runtime/index.js";
import { applyChanges, resolveTarget, type FleetState } from "../../src/fleet/fleet-state.js";
import { childPhaseData, mirrorData } from "../../src/fleet/mirror.js";
import { nameChildren } from "../../src/fleet/child-session.js";
import { expectTranscriptInvariants, processed, rowsOf, runScripted } from "../chart/helpers.js";
import squad from "./fixtures/squad/chart.js";

const squadScript = () => readScriptFile(join(import.meta.dirname, "fixtures/squad/script.json"));

const outputOf = (rows: readonly TranscriptRow[], fleetId: string): FleetChildResult[] => {
  const done = processed(rows, `xstate.done.actor.${fleetId}`);
  expect(done).toHaveLength(1);
  return (done[0]!.eventData as { output: FleetChildResult[] }).output;
};

/** A child's own session, checked like any run's. */
async function childRows(parentDir: string, childSessionId: string, status: RunResult["status"]): Promise<TranscriptRow[]> {
  const sessionDir = join(parentDir, "children", childSessionId);
  const rows = await readAllRows(join(sessionDir, "transcript.jsonl"));
  expectTranscriptInvariants(rows, { sessionDir, status } as RunResult);
  return rows;
}

/** A child that waits for `go` and outputs the word it was told. */
const listener = defineChart({
  id: "listener",
  machine: setup({ types: { context: {} as { word?: string } } }).createMachine({
    id: "listener",
    context: {},
    initial: "waiting",
    states: {
      waiting: { on: { go: { target: "heard", actions: assign({ word: ({ event }) => (event as unknown as { word: string }).word }) } } },
      heard: { type: "final" },
    },
    output: ({ context }) => ({ word: context.word }),
  }),
});

/** A child whose conversation waits on a slow model call (the script step's firstTokenMs). */
const slowChild = defineChart({
  id: "slow",
  machine: setup({ actors: inlineActors }).createMachine({
    id: "slow",
    initial: "thinking",
    states: {
      thinking: { invoke: converse({ id: "thinker", message: "Think slowly.", realTools: [] }), on: { "llm.idle": "done" } },
      done: { type: "final" },
    },
  }),
});

/** A child chart with a bug: its entry action throws for input n = 2. */
const brittle = defineChart({
  id: "brittle",
  machine: setup({ types: { context: {} as { n: number }, input: {} as { n: number } } }).createMachine({
    id: "brittle",
    context: ({ input }) => ({ n: input.n }),
    initial: "checking",
    states: {
      checking: {
        entry: ({ context }) => {
          if (context.n === 2) throw new Error(`brittle child cannot handle n=${context.n}`);
        },
        always: "ok",
      },
      ok: { type: "final" },
    },
    output: ({ context }) => ({ n: context.n }),
  }),
});

describe("spawnChildren", () => {
  it("runs one child session per input, at most `concurrency` at once, and completes with their outputs in input order", async () => {
    const { result, rows, model } = await runScripted({ chart: squad, script: await squadScript() });
    expect(result.status).toBe("done");
    model!.assertComplete();
    const parentDir = result.sessionDir;

    const output = outputOf(rows, "crew");
    expect(output).toEqual(
      [1, 2, 3, 4].map((n) => ({
        index: n - 1,
        childSessionId: `crew-${n}`,
        status: "done",
        output: { n, doubled: 2 * n, steps: 3 },
        finalConfig: ["finished"],
      })),
    );
    expect(readFileSync(join(parentDir, "artifacts/sum.txt"), "utf8")).toBe("20 from crew-1:done,crew-2:done,crew-3:done,crew-4:done\n");

    // Parent rows: child-started / child-done per child, never more than two running at once.
    const lifecycle = rows.filter((row) => row.event.startsWith("session/child-"));
    let running = 0;
    let peak = 0;
    for (const row of lifecycle) {
      running += row.event === "session/child-started" ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    expect(rowsOf(rows, "session/child-started").map((row) => row.data)).toEqual(
      [1, 2, 3, 4].map((n) => ({
        childSessionId: `crew-${n}`,
        chartId: "worker",
        parentInvokeId: "crew",
        index: n - 1,
        ref: `children/crew-${n}`,
      })),
    );
    // In the order the children ended: two run at once, and either may end first.
    expect(
      rowsOf(rows, "session/child-done")
        .map((row) => row.data as { index: number })
        .sort((a, b) => a.index - b.index),
    ).toEqual([1, 2, 3, 4].map((n) => ({ childSessionId: `crew-${n}`, status: "done", index: n - 1 })));

    // Each child is a session of its own, naming its parent.
    expect(readdirSync(join(parentDir, "children")).sort()).toEqual(["crew-1", "crew-2", "crew-3", "crew-4"]);
    for (const n of [1, 2, 3, 4]) {
      const child = await childRows(parentDir, `crew-${n}`, "done");
      expect(child[0]!.data).toMatchObject({ sessionId: `crew-${n}`, chartId: "worker", parentSessionId: "session", resumed: false });
      expect(JSON.parse(readFileSync(join(parentDir, "children", `crew-${n}`, "session.json"), "utf8"))).toMatchObject({
        parentSessionId: "session",
        status: "done",
      });
      expect(rowsOf(child, "llm/response")).toHaveLength(3);

      // Mirrored into the parent: the conversation lifecycle with parent-unique ids, refs that resolve from the parent.
      const mirrored = rows.filter((row) => !row.event.startsWith("session/") && (row.data as { childSessionId?: string }).childSessionId === `crew-${n}`);
      expect(mirrored.map((row) => row.event).filter((event) => event !== "llm/delta")).toEqual([
        "llm/conversation-started",
        "llm/request",
        "llm/response",
        "llm/request",
        "llm/response",
        "llm/request",
        "llm/response",
        "llm/conversation-ended",
      ]);
      for (const row of mirrored) {
        const data = row.data as { invokeId: string; stateId?: string; ref?: string; childSeq: number };
        expect(data.invokeId).toBe(`crew-${n}/worker`);
        if (data.stateId) expect(data.stateId).toBe(`crew-${n}/working`);
        if (data.ref) expect(readBlob(parentDir, data.ref)).toBeDefined();
        const original = child.find((r) => r.seq === data.childSeq)!;
        expect(original.event).toBe(row.event);
      }
      // Deltas are coalesced, never lost: the mirrored text of a turn is the child's streamed text.
      const text = (source: TranscriptRow[]) =>
        rowsOf(source, "llm/delta")
          .map((row) => (row.data as { text: string }).text)
          .join("");
      expect(text(mirrored)).toBe(text(child));
    }

    // The parent's cassette holds every call of the fleet (so it replays the whole fleet); children record none of their own.
    const parentCassette = await loadCassette(parentDir);
    expect(parentCassette.calls.map((call) => call.origin.stateId).sort()).toEqual(["briefing", ...Array(12).fill("working")]);
    expect(existsSync(join(parentDir, "children/crew-1/cassette.jsonl"))).toBe(false);
  });

  it("replays the whole fleet from the parent's cassette alone", async () => {
    const first = await runScripted({ chart: squad, script: await squadScript() });
    const cassette = await loadCassette(first.result.sessionDir, "squad");
    const replay = await runScripted({ chart: squad, model: new CassetteModel(cassette, { mode: "strict" }) });
    expect(replay.result.status).toBe("done");
    expect(outputOf(replay.rows, "crew")).toEqual(outputOf(first.rows, "crew"));
    expect(rowsOf(replay.rows, "llm/error")).toEqual([]);
  });

  it("a child chart that throws is marked error in the output; the others finish and the parent goes on, with every row kept", async () => {
    const parent = setup({ actors: inlineActors, types: { context: {} as { results: FleetChildResult[] } } }).createMachine({
      id: "parent",
      context: { results: [] },
      initial: "fanning",
      states: {
        fanning: {
          invoke: {
            ...spawnChildren({ id: "batch", chart: brittle, inputs: [{ n: 1 }, { n: 2 }, { n: 3 }] }),
            onDone: { target: "done", actions: assign({ results: ({ event }) => event.output as FleetChildResult[] }) },
          },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent });
    expect(result.status).toBe("done");
    const output = outputOf(rows, "batch");
    expect(output.map((r) => [r.childSessionId, r.status])).toEqual([
      ["batch-1", "done"],
      ["batch-2", "error"],
      ["batch-3", "done"],
    ]);
    expect(output[1]!.error).toMatchObject({ category: "chart" });
    expect(output[1]!.error!.message).toContain("brittle child cannot handle n=2");
    expect(rowsOf(rows, "session/child-done", { childSessionId: "batch-2" })[0]!.data).toMatchObject({ status: "error", error: { category: "chart" } });
    const child = await childRows(result.sessionDir, "batch-2", "error");
    expect(rowsOf(child, "runner/error")[0]!.data).toMatchObject({ category: "chart" });
  });

  it("failFast: a failing child ends the parent run (category child-failed) and aborts the children still running", async () => {
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: {
        fanning: {
          invoke: {
            ...spawnChildren({ id: "pair", chart: defineChart({ id: "mixed", machine: mixed }), inputs: [{ fail: false }, { fail: true }], failFast: true }),
            onDone: "done",
          },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent, script: { byState: { thinking: [{ firstTokenMs: 10_000, text: "too late" }] } } });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "child-failed" });
    expect(result.error!.message).toContain("pair-2");
    expect(
      rowsOf(rows, "session/child-done").map((row) => [(row.data as { childSessionId: string }).childSessionId, (row.data as { status: string }).status]),
    ).toEqual([
      ["pair-2", "error"],
      ["pair-1", "aborted"],
    ]);
    const slow = await childRows(result.sessionDir, "pair-1", "aborted");
    expect(rowsOf(slow, "llm/conversation-ended")).toHaveLength(1);
    // The aborted child's last rows were mirrored before the parent's transcript closed.
    expect(rowsOf(rows, "llm/conversation-ended", { invokeId: "pair-1/thinker" })).toHaveLength(1);
  });

  it("leaving the fleet's state aborts its children: each session ends aborted, with its rows on disk", async () => {
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: {
        fanning: { invoke: spawnChildren({ id: "slowpokes", chart: slowChild, inputs: [{}, {}] }), after: { 300: "gaveUp" } },
        gaveUp: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({
      chart: parent,
      script: {
        byState: {
          thinking: [
            { firstTokenMs: 10_000, text: "a" },
            { firstTokenMs: 10_000, text: "b" },
          ],
        },
      },
    });
    expect(result).toMatchObject({ status: "done", finalConfig: ["gaveUp"] });
    expect(rowsOf(rows, "session/child-done").map((row) => row.data)).toEqual([
      { childSessionId: "slowpokes-1", status: "aborted", index: 0 },
      { childSessionId: "slowpokes-2", status: "aborted", index: 1 },
    ]);
    expect(processed(rows, "xstate.done.actor.slowpokes")).toEqual([]);
    for (const id of ["slowpokes-1", "slowpokes-2"]) {
      const child = await childRows(result.sessionDir, id, "aborted");
      expect(rowsOf(child, "llm/request")).toHaveLength(1);
    }
  });

  it("the parent's debugger holds its children: a paused parent holds a child's model call until it goes on, and interrupt reaches it", async () => {
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: { fanning: { invoke: { ...spawnChildren({ id: "pondering", chart: slowChild, inputs: [{}] }), onDone: "done" } }, done: { type: "final" } },
    });
    // Armed: the first external event of the whole run (the child's model call) pauses it.
    const gate = new DebugGate({ startPaused: true });
    const heldMs = 150;
    let pausedAt = 0;
    const tap = (rows: readonly TranscriptRow[]) => {
      for (const row of rows) {
        if (row.event === "debug/paused" && pausedAt === 0) {
          pausedAt = row.ts;
          setTimeout(() => gate.control("continue"), heldMs);
        }
        // The child's request is mirrored as its conversation starts streaming: interrupt it then.
        if (row.event === "llm/conversation-started") setTimeout(() => gate.control("interrupt"), heldMs + 50);
      }
    };
    const { result, rows } = await runScripted({
      chart: parent,
      script: [{ deltas: [{ text: "slow", afterMs: 10_000 }] }],
      debug: gate,
      taps: [tap],
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(result.status).toBe("done");
    expect(rowsOf(rows, "debug/paused")[0]!.data).toEqual({ reason: "next external event: pondering-1: model call thinker turn 1" });
    const child = await childRows(result.sessionDir, "pondering-1", "error");
    // The call went out only when the parent's gate let it.
    expect(rowsOf(child, "llm/request")[0]!.ts - pausedAt).toBeGreaterThanOrEqual(heldMs - 5);
    expect(rowsOf(rows, "debug/interrupted").map((row) => row.data)).toEqual([{ invokeIds: ["pondering-1/thinker"] }]);
    expect(rowsOf(child, "llm/error")[0]!.data).toMatchObject({ category: "aborted", message: expect.stringMatching(/interrupted from the debugger/) });
  });

  it("tellChild routes events by index, by child session id and to every child; children not started yet get them when they start", async () => {
    const parent = setup({ actors: inlineActors, types: { context: {} as { results: FleetChildResult[] } } }).createMachine({
      id: "parent",
      context: { results: [] },
      initial: "fanning",
      states: {
        fanning: {
          entry: raise({ type: "kick" }),
          invoke: {
            ...spawnChildren({ id: "team", chart: listener, inputs: [{}, {}, {}], concurrency: 1 }),
            onDone: { target: "done", actions: assign({ results: ({ event }) => event.output as FleetChildResult[] }) },
          },
          on: {
            kick: {
              actions: [
                tellChild("team", 0, { type: "go", word: "zero" }),
                tellChild("team", "team-2", { type: "go", word: "one" }),
                tellChild("team", "*", { type: "go", word: "all" }),
              ],
            },
          },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent });
    expect(result.status).toBe("done");
    expect(outputOf(rows, "team").map((r) => [r.childSessionId, r.status, (r.output as { word: string }).word])).toEqual([
      ["team-1", "done", "zero"],
      ["team-2", "done", "one"],
      ["team-3", "done", "all"],
    ]);
  });

  it("tellChild to a child that does not exist ends the run with category unknown-child", async () => {
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: {
        fanning: {
          entry: raise({ type: "kick" }),
          invoke: spawnChildren({ id: "team", chart: listener, inputs: [{}] }),
          on: { kick: { actions: tellChild("team", 5, { type: "go", word: "nobody" }) } },
        },
      },
    });
    const { result } = await runScripted({ chart: parent });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "unknown-child" });
    expect(result.error!.message).toContain("team-1");
  });

  it.each([
    ["inputs that are not an array", { inputs: () => "three" as unknown as unknown[] }, "inputs must be an array"],
    [
      "inputs that throw",
      {
        inputs: () => {
          throw new Error("no list today");
        },
      },
      "inputs() threw: no list today",
    ],
    ["an input JSON cannot hold", { inputs: [{ f: () => 1 }] }, "inputs[0].f is a function"],
    ["a concurrency of 0", { inputs: [{}], concurrency: 0 }, "concurrency must be an integer >= 1"],
  ])("bad input (%s) ends the run with category fleet-input before any child starts", async (_name, params, message) => {
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: {
        fanning: { invoke: { ...spawnChildren({ id: "team", chart: listener, ...(params as { inputs: unknown[] }) }), onDone: "done" } },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "fleet-input" });
    expect(result.error!.message).toContain(message);
    expect(result.error!.message).toContain('fleet "team" in state fanning');
    expect(rowsOf(rows, "session/child-started")).toEqual([]);
    expect(existsSync(join(result.sessionDir, "children"))).toBe(false);
  });

  it("no inputs: the fleet completes at once with an empty list", async () => {
    const parent = setup({ actors: inlineActors, types: { context: {} as { results?: FleetChildResult[] } } }).createMachine({
      id: "parent",
      context: {},
      initial: "fanning",
      states: {
        fanning: {
          invoke: {
            ...spawnChildren({ id: "nobody", chart: listener, inputs: [] }),
            onDone: { target: "done", actions: assign({ results: ({ event }) => event.output as FleetChildResult[] }) },
          },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent });
    expect(result.status).toBe("done");
    expect(outputOf(rows, "nobody")).toEqual([]);
  });

  it("a child's prompts reach the parent's human with child-unique ids, and are mirrored", async () => {
    const asker = defineChart({
      id: "asker",
      machine: setup({ actors: inlineActors, types: { context: {} as { name?: string } } }).createMachine({
        id: "asker",
        context: {},
        initial: "asking",
        states: {
          asking: {
            invoke: {
              ...askHuman({ id: "name", kind: "text", message: "Your name?" }),
              onDone: { target: "done", actions: assign({ name: ({ event }) => event.output as string }) },
            },
          },
          done: { type: "final" },
        },
        output: ({ context }) => context.name,
      }),
    });
    const parent = setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: { fanning: { invoke: { ...spawnChildren({ id: "ask", chart: asker, inputs: [{}], concurrency: 1 }), onDone: "done" } }, done: { type: "final" } },
    });
    const human = new ScriptedHuman([{ value: "Ada" }]);
    const { result, rows } = await runScripted({ chart: parent, human });
    expect(result.status).toBe("done");
    expect(human.asked.map((request) => [request.promptId, request.invokeId])).toEqual([["ask-1/name", "ask-1/name"]]);
    expect(outputOf(rows, "ask")[0]!.output).toBe("Ada");
    expect(rowsOf(rows, "human-input/requested")[0]!.data).toMatchObject({ promptId: "ask-1/name", childSessionId: "ask-1", message: "Your name?" });
    expect(rowsOf(rows, "human-input/answered")[0]!.data).toMatchObject({ promptId: "ask-1/name", value: "Ada" });
  });

  it("a fleet state entered again names its new children apart from the earlier ones", async () => {
    const parent = setup({ actors: inlineActors, types: { context: {} as { rounds: number } } }).createMachine({
      id: "parent",
      context: { rounds: 0 },
      initial: "fanning",
      states: {
        fanning: {
          invoke: {
            ...spawnChildren({ id: "round", chart: brittle, inputs: [{ n: 1 }, { n: 3 }] }),
            onDone: [
              { guard: ({ context }) => context.rounds >= 1, target: "done" },
              { target: "fanning", reenter: true, actions: assign({ rounds: ({ context }) => context.rounds + 1 }) },
            ],
          },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: parent });
    expect(result.status).toBe("done");
    expect(rowsOf(rows, "session/child-started").map((row) => (row.data as { childSessionId: string }).childSessionId)).toEqual([
      "round-1",
      "round-2",
      "round.2-1",
      "round.2-2",
    ]);
    expect(readdirSync(join(result.sessionDir, "children")).sort()).toEqual(["round-1", "round-2", "round.2-1", "round.2-2"]);
  });
});

/** Input {fail}: fails at once (an action throws), or waits on a slow model call. */
const mixed = setup({ actors: inlineActors, types: { input: {} as { fail: boolean }, context: {} as { fail: boolean } } }).createMachine({
  id: "mixed",
  context: ({ input }) => ({ fail: input.fail }),
  initial: "deciding",
  states: {
    deciding: {
      always: [
        {
          guard: ({ context }) => context.fail,
          target: "thinking",
          actions: () => {
            throw new Error("this child fails on purpose");
          },
        },
        { target: "thinking" },
      ],
    },
    thinking: { invoke: converse({ id: "thinker", message: "Think slowly.", realTools: [] }), on: { "llm.idle": "done" } },
    done: { type: "final" },
  },
});

describe("fleet state (pure)", () => {
  const state = (): FleetState => ({
    fleetId: "f",
    stateId: "s",
    chartId: "c",
    concurrency: 2,
    failFast: false,
    children: [0, 1, 2].map((index) => ({ index, childSessionId: `f-${index + 1}`, input: {}, status: "pending" as const })),
  });

  it("a settled child never changes again; running clears the inbox", () => {
    let s = applyChanges({ ...state(), children: state().children.map((c) => ({ ...c, inbox: [{ type: "go" }] })) }, [{ index: 0, status: "running" }]);
    expect(s.children[0]).toEqual({ index: 0, childSessionId: "f-1", input: {}, status: "running" });
    s = applyChanges(s, [
      { index: 0, status: "done", output: 1, finalConfig: ["x"] },
      { index: 0, status: "aborted" },
    ]);
    expect(s.children[0]).toMatchObject({ status: "done", output: 1, finalConfig: ["x"] });
  });

  it("targets: index, session id, every child; anything else is undefined", () => {
    expect(resolveTarget(state(), 1)).toEqual([1]);
    expect(resolveTarget(state(), "f-3")).toEqual([2]);
    expect(resolveTarget(state(), "*")).toEqual([0, 1, 2]);
    expect(resolveTarget(state(), 3)).toBeUndefined();
    expect(resolveTarget(state(), 0.5)).toBeUndefined();
    expect(resolveTarget(state(), "f-9")).toBeUndefined();
  });

  it("mirrored data: ids prefixed with the child session id, refs relative to the parent, the child's seq kept", () => {
    const row = {
      seq: 7,
      ts: 1,
      event: "llm/response",
      data: { invokeId: "poet", stateId: "composing", turn: 1, ref: "io/poet-3-t1-response.json", snippet: "x" },
    };
    expect(mirrorData("poets-2", row)).toEqual({
      invokeId: "poets-2/poet",
      stateId: "poets-2/composing",
      turn: 1,
      ref: "children/poets-2/io/poet-3-t1-response.json",
      snippet: "x",
      childSessionId: "poets-2",
      childSeq: 7,
    });
  });

  it("a child's chart moves become session/child-phase data; an event that moves nothing, and other rows, none", () => {
    const processedRow = (seq: number, after: string[], entered: string[], exited: string[]) => ({
      seq,
      ts: 1,
      event: "runner/event-processed",
      data: { event: "go", before: ["a"], after, entered, exited },
    });
    expect(childPhaseData("poets-2", { seq: 2, ts: 1, event: "runner/start-config", data: { config: ["work", "work.draft"] } }, undefined)).toEqual({
      childSessionId: "poets-2",
      childSeq: 2,
      config: ["work", "work.draft"],
      breadcrumb: ["work", "draft"],
    });
    expect(childPhaseData("poets-2", processedRow(5, ["b"], ["b"], ["a"]), ["a"])).toEqual({
      childSessionId: "poets-2",
      childSeq: 5,
      config: ["b"],
      breadcrumb: ["b"],
      event: "go",
    });
    expect(childPhaseData("poets-2", processedRow(6, ["b"], [], []), ["b"])).toBeUndefined();
    // Nothing known yet (a resumed child's first move): the configuration is news.
    expect(childPhaseData("poets-2", processedRow(6, ["b"], [], []), undefined)).toMatchObject({ config: ["b"] });
    expect(childPhaseData("poets-2", { seq: 7, ts: 1, event: "llm/request", data: {} }, ["b"])).toBeUndefined();
  });

  it("child session ids: <id>-<n>; a later visit of the same fleet gets <id>.<visit>-<n>", () => {
    expect(nameChildren([], "poets", 2)).toEqual(["poets-1", "poets-2"]);
    expect(nameChildren([], "a b", 1)).toEqual(["a_b-1"]);
    expect(nameChildren(["poets-1", "poets-2", "judges-1"], "poets", 1)).toEqual(["poets.2-1"]);
    expect(nameChildren(["poets-1", "poets.2-1", "poets.3-1"], "poets", 1)).toEqual(["poets.4-1"]);
  });
});

import { describe, expect, it } from "vitest";
import { setup, assign } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { DebugGate } from "../../src/debug/index.js";
import type { Script } from "../../src/llm/index.js";
import type { TranscriptRow } from "../../src/runtime/index.js";
import { processed, rowsOf, runScripted } from "../chart/helpers.js";

const boundGate = (options: ConstructorParameters<typeof DebugGate>[0] = {}) => {
  const rows: { event: string; data: unknown }[] = [];
  let quits = 0;
  const gate = new DebugGate(options);
  gate.bind({ record: (event, data) => rows.push({ event, data }), quit: () => quits++ });
  return { gate, rows, quits: () => quits };
};

describe("DebugGate (pure)", () => {
  it("is open by default: pass delivers synchronously, enter returns undefined, nothing recorded", () => {
    const { gate, rows } = boundGate();
    const seen: string[] = [];
    gate.pass("a", () => seen.push("a"));
    expect(seen).toEqual(["a"]);
    expect(gate.enter("model call")).toBeUndefined();
    expect(rows).toEqual([]);
  });

  it("pause holds events in order; step n releases n then pauses; continue releases the rest", async () => {
    const { gate, rows } = boundGate();
    const seen: string[] = [];
    expect(gate.control("pause")).toEqual({ ok: true });
    for (const name of ["a", "b", "c", "d"]) gate.pass(name, () => seen.push(name));
    expect(seen).toEqual([]);
    expect(gate.held).toEqual(["a", "b", "c", "d"]);
    expect(gate.control("step", 2)).toEqual({ ok: true });
    expect(seen).toEqual(["a", "b"]);
    expect(gate.state).toMatchObject({ paused: true, mode: "step", stepBudget: 0, reason: "step done" });
    expect(gate.control("continue")).toEqual({ ok: true });
    expect(seen).toEqual(["a", "b", "c", "d"]);
    expect(gate.state).toEqual({ paused: false, mode: "run", stepBudget: 0 });
    expect(rows.map((row) => row.event)).toEqual(["debug/paused", "debug/step", "debug/paused", "debug/resumed", "debug/mode"]);
    expect(rows[0]!.data).toEqual({ reason: "pause requested" });
    expect(rows[1]!.data).toEqual({ n: 2 });
  });

  it("a step budget larger than the queue carries over to later events", () => {
    const { gate } = boundGate();
    const seen: string[] = [];
    gate.control("pause");
    gate.pass("a", () => seen.push("a"));
    gate.control("step", 3);
    expect(seen).toEqual(["a"]);
    expect(gate.state).toMatchObject({ paused: false, mode: "step", stepBudget: 2 });
    gate.pass("b", () => seen.push("b"));
    gate.pass("c", () => seen.push("c"));
    gate.pass("d", () => seen.push("d"));
    expect(seen).toEqual(["a", "b", "c"]);
    expect(gate.state).toMatchObject({ paused: true, mode: "step" });
    expect(gate.held).toEqual(["d"]);
  });

  it("armed pauses at the next external event and holds it; startPaused arms on bind", async () => {
    const { gate, rows } = boundGate({ startPaused: true });
    expect(rows).toEqual([{ event: "debug/mode", data: { mode: "armed" } }]);
    const held = gate.enter("model call w turn 1");
    expect(held).toBeInstanceOf(Promise);
    expect(gate.state).toMatchObject({ paused: true, mode: "run", reason: "next external event: model call w turn 1" });
    let released = false;
    void held!.then(() => (released = true));
    gate.control("step");
    await Promise.resolve();
    expect(released).toBe(true);
  });

  it("enter resolves when its signal aborts, and the held entry is dropped", async () => {
    const { gate } = boundGate();
    gate.control("pause");
    const controller = new AbortController();
    const held = gate.enter("x", controller.signal)!;
    controller.abort();
    await held;
    expect(gate.held).toEqual([]);
  });

  it("refuses controls that make no sense and changes nothing", () => {
    const { gate, rows } = boundGate();
    expect(gate.control("step")).toMatchObject({
      ok: false,
      error: { code: "invalid-control", path: "/action", message: expect.stringMatching(/not paused/) },
    });
    expect(gate.control("continue")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not paused/) } });
    expect(gate.control("interrupt")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no model call/) } });
    gate.control("arm-pause-on-next-external");
    expect(gate.control("arm-pause-on-next-external")).toMatchObject({ ok: false });
    gate.control("pause");
    expect(gate.control("pause")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/already paused/) } });
    expect(rows.map((row) => row.event)).toEqual(["debug/mode", "debug/paused"]);
    gate.close();
    expect(gate.control("continue")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/over/) } });
    expect(new DebugGate().control("pause")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not started/) } });
  });

  it("interrupt aborts every registered call and records which conversations", () => {
    const { gate, rows } = boundGate();
    const aborted: string[] = [];
    gate.interruptible("a", () => aborted.push("a"));
    const off = gate.interruptible("b", () => aborted.push("b"));
    off();
    expect(gate.control("interrupt")).toEqual({ ok: true });
    expect(aborted).toEqual(["a"]);
    expect(rows).toEqual([{ event: "debug/interrupted", data: { invokeIds: ["a"] } }]);
    expect(gate.control("interrupt")).toMatchObject({ ok: false });
  });

  it("quit closes the gate and ends the run", () => {
    const { gate, quits } = boundGate();
    expect(gate.control("quit")).toEqual({ ok: true });
    expect(quits()).toBe(1);
    expect(gate.closed).toBe(true);
  });
});

/** One conversation that calls `tick` three times, then `finish`. */
const tickChart = setup({ actors: inlineActors, types: { context: {} as { ticks: number } } }).createMachine({
  id: "ticks",
  context: { ticks: 0 },
  initial: "work",
  states: {
    work: {
      invoke: converse({
        id: "w",
        message: "tick",
        realTools: [],
        allowedEvents: { tick: { schema: z.object({}), description: "tick" }, finish: { schema: z.object({}), description: "done" } },
      }),
      on: {
        tick: { actions: assign({ ticks: ({ context }) => context.ticks + 1 }) },
        finish: "done",
        "error.llm.*": "failed",
      },
    },
    done: { type: "final" },
    failed: { type: "final" },
  },
});

const tickScript: Script = [{ events: [{ name: "tick" }] }, { events: [{ name: "tick" }] }, { events: [{ name: "tick" }] }, { events: [{ name: "finish" }] }];

describe("the gate in a run", () => {
  it("--debug: the run pauses at the first model call; steps release one external event each; the wedge guard waits", async () => {
    const gate = new DebugGate({ startPaused: true });
    const log: string[] = [];
    let pauses = 0;
    const tap = (rows: readonly TranscriptRow[]) => {
      for (const row of rows) {
        if (row.event === "runner/event-processed") log.push((row.data as { event: string }).event);
        if (row.event === "llm/request") log.push("request");
        if (row.event === "debug/step") log.push("step");
        if (row.event !== "debug/paused") continue;
        pauses += 1;
        // Stay paused longer than the wedge guard's window, then step (then continue at the end).
        setTimeout(() => gate.control(pauses < 5 ? "step" : "continue"), 120);
      }
    };
    const { result, rows } = await runScripted({ chart: tickChart, script: tickScript, debug: gate, taps: [tap], wedge: { intervalMs: 10, cycles: 5 } });
    expect(result.status).toBe("done");
    expect(rowsOf(rows, "debug/mode")[0]!.data).toEqual({ mode: "armed" });
    // Each step let exactly one external event through: a model call, then its tick, ...
    expect(log.slice(0, 8)).toEqual(["step", "request", "step", "tick", "step", "request", "step", "tick"]);
    expect(processed(rows, "tick")).toHaveLength(3);
    expect(rowsOf(rows, "debug/step")).toHaveLength(4);
  });

  it("interrupt aborts the model call in flight: llm/error aborted, the chart gets error.llm.aborted", async () => {
    const gate = new DebugGate();
    const script: Script = [{ deltas: [{ text: "slow", afterMs: 5_000 }] }];
    const tap = (rows: readonly TranscriptRow[]) => {
      if (rows.some((row) => row.event === "llm/request")) setTimeout(() => expect(gate.control("interrupt")).toEqual({ ok: true }), 20);
    };
    const { result, rows } = await runScripted({ chart: tickChart, script, debug: gate, taps: [tap] });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(rowsOf(rows, "debug/interrupted").map((row) => row.data)).toEqual([{ invokeIds: ["w"] }]);
    expect(rowsOf(rows, "llm/error")[0]!.data).toMatchObject({
      invokeId: "w",
      category: "aborted",
      message: expect.stringMatching(/interrupted from the debugger/),
    });
    expect(processed(rows, "error.llm.aborted")).toHaveLength(1);
  });

  it("quit ends the run with status aborted", async () => {
    const gate = new DebugGate({ startPaused: true });
    const tap = (rows: readonly TranscriptRow[]) => {
      if (rows.some((row) => row.event === "debug/paused")) setTimeout(() => gate.control("quit"), 10);
    };
    const { result, rows } = await runScripted({ chart: tickChart, script: tickScript, debug: gate, taps: [tap] });
    expect(result.status).toBe("aborted");
    expect(rowsOf(rows, "llm/request")).toHaveLength(0);
  });
});

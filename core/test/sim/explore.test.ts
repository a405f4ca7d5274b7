import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { setup } from "xstate";
import { converse, defineChart, inlineActors, type ChartView } from "../../src/index.js";
import { readTranscript } from "../../src/runtime/index.js";
import { exploreChart, simRun, simSetup, type SimEvent } from "../../src/sim/index.js";
import counter from "./fixtures/counter/chart.js";
import asking from "./fixtures/asking/chart.js";
import ungenerable from "./fixtures/ungenerable/chart.js";
import reader from "./fixtures/reader/chart.js";

const root = mkdtempSync(join(tmpdir(), "escapement-sim-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sumOf = (events: SimEvent[]): number => events.reduce((sum, event) => sum + ((event.data?.by as number | undefined) ?? 0), 0);

describe("exploreChart", () => {
  it("finds the broken invariant, with its seed and a shrunk sequence that still breaks it first at its last event", async () => {
    const report = await exploreChart(counter, { runs: 40, seed: 1 });
    expect(report.runs).toBe(40);
    expect(report.failures).toHaveLength(1);
    const failure = report.failures[0]!;
    expect(failure).toMatchObject({ kind: "invariant", property: "at most 6" });
    expect(failure.message).toMatch(/^invariant "at most 6" broken after count\.up: count is \d+$/);
    expect(failure.events.length).toBeLessThanOrEqual(failure.originalLength);
    expect(failure.events.every((event) => event.type === "count.up")).toBe(true);
    // The last event breaks it; every event before keeps it.
    expect(sumOf(failure.events)).toBeGreaterThan(6);
    expect(sumOf(failure.events.slice(0, -1))).toBeLessThanOrEqual(6);
    // Seven can be reached in three steps of at most 3: the shrinker gets close to that.
    expect(failure.events.length).toBeLessThanOrEqual(4);
    expect(report.outcomes["invariant"]).toBe(failure.count);
    expect((report.outcomes["done"] ?? 0) + failure.count).toBe(40);
  });

  it("shrinks each failure to the shortest sequence that fails the same way", async () => {
    const noThree = { ...counter, simulation: { invariants: { "never 3": ({ event }: ChartView) => event?.["by"] !== 3 } } };
    const reports = await Promise.all([1, 31, 61, 91].map((seed) => exploreChart(noThree, { runs: 30, seed })));
    for (const report of reports) {
      expect(report.failures.map((failure) => failure.property)).toEqual(["never 3"]);
      // Whatever the first failing run did before, one step of 3 is enough.
      expect(report.failures[0]!.events).toEqual([{ type: "count.up", data: { by: 3 } }]);
    }
    expect(reports.some((report) => report.failures[0]!.originalLength > 1)).toBe(true);
  });

  it("reports the states and transitions never reached", async () => {
    const report = await exploreChart(counter, { runs: 20, seed: 5 });
    expect(report.states.missed).toEqual(["audit"]);
    expect(report.states.reached).toEqual(["counting", "done"]);
    expect(report.transitions.reached).toEqual(expect.arrayContaining(["counting --count.up--> (no target)", "counting --count.done--> done"]));
    expect(report.transitions.missed).toEqual([]);
  });

  it("is a function of its seed: the same seed makes the same runs", async () => {
    const setupOf = simSetup(counter);
    const once = await simRun(setupOf, { seed: 11, sessionDir: join(root, "a") });
    const again = await simRun(simSetup(counter), { seed: 11, sessionDir: join(root, "b") });
    expect(again.events).toEqual(once.events);
    expect(again.failure).toEqual(once.failure);
    const other = await Promise.all([12, 13, 14, 15].map((seed) => simRun(setupOf, { seed, sessionDir: join(root, `c${seed}`) })));
    expect(other.some((result) => JSON.stringify(result.events) !== JSON.stringify(once.events))).toBe(true);
  });

  it("calls the real tools it is allowed, and no other", async () => {
    const tools = async (realTools: string[], seed: number): Promise<string[]> => {
      const result = await simRun(simSetup(reader, { realTools }), { seed, sessionDir: join(root, `reader-${realTools.join("-")}-${seed}`) });
      const names: string[] = [];
      for await (const row of readTranscript(join(result.sessionDir, "transcript.jsonl"))) {
        if (row.event === "tool/finished") names.push((row.data as { name: string }).name);
      }
      return names;
    };
    const allowed = await Promise.all([1, 2, 3].map((seed) => tools(["fs_glob"], seed)));
    expect(allowed.flat().length).toBeGreaterThan(0);
    expect(new Set(allowed.flat())).toEqual(new Set(["fs_glob"]));
    expect(await tools([], 1)).toEqual([]);
  });

  it("answers prompts with every valid answer and cancels too", async () => {
    const report = await exploreChart(asking, { runs: 40, seed: 1, cancelWeight: 3 });
    expect(report.failures).toEqual([]);
    expect(report.states.missed).toEqual([]);
    expect(Object.keys(report.outcomes)).toEqual(["done"]);
  });

  it("never cancels with a cancel weight of 0", async () => {
    const report = await exploreChart(asking, { runs: 30, seed: 1, cancelWeight: 0 });
    expect(report.states.missed).toEqual(["cancelled"]);
  });

  it("checks final expectations when a run ends", async () => {
    const chart = { ...counter, simulation: { final: { "counted something": ({ context }: { context: { count: number } }) => context.count > 0 } } };
    const report = await exploreChart(chart, { runs: 30, seed: 1 });
    const failure = report.failures.find((candidate) => candidate.kind === "final");
    expect(failure).toMatchObject({ property: "counted something" });
    // The shortest way to end with nothing counted: stop at once.
    expect(failure!.events.map((event) => event.type)).toEqual(["count.done"]);
  });

  it("reports a conversation whose plain reply the chart does not handle as wedged", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "talk",
      initial: "talking",
      states: { talking: { invoke: converse({ id: "talker", message: "Hi", realTools: [] }) } },
    });
    const report = await exploreChart(defineChart({ id: "talk", machine }), { runs: 3, seed: 1 });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ kind: "wedged", count: 3 });
    expect(report.failures[0]!.events.map((event) => event.type)).toEqual(["llm.idle"]);
  });

  it("names the event and schema path it cannot generate, and runs with an arbitrary given by hand", async () => {
    const report = await exploreChart(ungenerable, { runs: 5, seed: 1, concurrency: 1 });
    // Every run would fail the same way: exploration stops at the first.
    expect(report.runs).toBe(1);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.kind).toBe("ungenerable");
    expect(report.failures[0]!.message).toBe(
      'event "note.taken": notes.*.text: a refinement (.refine, .superRefine or .check) cannot be generated; ' +
        'give an arbitrary by hand in the chart\'s simulation: arbitraries: { "note.taken": { "notes.*.text": fc.… } }',
    );
    const helped = { ...ungenerable, simulation: { arbitraries: { "note.taken": { "notes.*.text": fc.constantFrom("milk", "eggs") } } } };
    const fixed = await exploreChart(helped, { runs: 5, seed: 1 });
    expect(fixed.failures).toEqual([]);
    expect(fixed.states.missed).toEqual([]);
  });

  it("keeps each failure's shrunk run as an ordinary session", async () => {
    const sessionsRoot = join(root, "sessions");
    const report = await exploreChart(counter, { runs: 20, seed: 1, sessionsRoot });
    const failure = report.failures[0]!;
    expect(failure.sessionDir).toBeDefined();
    expect(existsSync(join(failure.sessionDir!, "cassette.jsonl"))).toBe(true);
    const rows = [];
    for await (const row of readTranscript(join(failure.sessionDir!, "transcript.jsonl"))) rows.push(row);
    const processed = rows.filter((row) => row.event === "runner/event-processed").map((row) => (row.data as { event: string }).event);
    expect(processed).toEqual(failure.events.map((event) => event.type));
    expect(rows.at(-1)?.event).toBe("runner/done");
  });
});

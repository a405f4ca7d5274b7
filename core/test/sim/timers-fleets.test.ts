import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTranscript } from "../../src/runtime/index.js";
import { exploreChart, simRun, simSetup, formatReport } from "../../src/sim/index.js";
import { SimulatedClock } from "../../src/sim/sim-clock.js";
import patient, { THREE_HOURS } from "./fixtures/patient/chart.js";
import fleet from "./fixtures/fleet/chart.js";

const root = mkdtempSync(join(tmpdir(), "escapement-sim-timers-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the simulated clock", () => {
  it("fires a three-hour timer at once, and the session's clock reads three hours later", async () => {
    const started = Date.now();
    const report = await exploreChart(patient, { runs: 5, seed: 1, runTimeoutMs: 5_000, lateWeight: 0 });
    expect(report.outcomes).toEqual({ done: 5 });
    expect(report.states.reached).toEqual(["resting", "asking", "done"]);
    // Never late: the model answers before the ten-minute timeout, which fires only when nothing else can happen.
    expect(report.states.missed).toEqual(["timedOut"]);
    expect(Date.now() - started).toBeLessThan(THREE_HOURS);

    const result = await simRun(simSetup(patient), { seed: 1, sessionDir: join(root, "patient") });
    const stamps: number[] = [];
    for await (const row of readTranscript(join(result.sessionDir, "transcript.jsonl"))) stamps.push(row.ts);
    expect(stamps.at(-1)! - stamps[0]!).toBeGreaterThanOrEqual(THREE_HOURS);
  });

  it("explores the timeout beside a conversation: now and then the model answers only after it", async () => {
    const ends = { done: 0, timedOut: 0 };
    const report = await exploreChart(patient, {
      runs: 40,
      seed: 1,
      runTimeoutMs: 5_000,
      onRun: (run) => void ends[run.finalStates.includes("timedOut") ? "timedOut" : "done"]++,
    });
    expect(report.failures).toEqual([]);
    expect(report.states.missed).toEqual([]);
    // About one turn in ten is late; each late answer ends the run at the timeout.
    expect(ends.timedOut).toBeGreaterThan(0);
    expect(ends.done).toBeGreaterThan(ends.timedOut);
  });

  it("fires timers in due order, not those cleared, and none while the run is busy", async () => {
    let busy = true;
    const clock = new SimulatedClock({ start: 1_000, busy: () => busy });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`late@${clock.now()}`), 7_200_000);
    clock.setTimeout(() => fired.push(`soon@${clock.now()}`), 60_000);
    const cleared = clock.setTimeout(() => fired.push("cleared"), 1);
    clock.clearTimeout(cleared);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual([]);
    busy = false;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(["soon@61000", "late@7201000"]);
    expect(clock.pending).toBe(0);
  });
});

describe("exploring a chart with a fleet", () => {
  it("reports the child chart's coverage, and sends mostly the events its guards take", async () => {
    // A picker gets 8 turns; drawing 1 to 5 blindly, one in six pickers would run out of them.
    const everyPicked = {
      "every picker picked": ({ context }: { context: { wanted: number[]; picked: unknown[] } }) => context.picked.every((n, at) => n === context.wanted[at]),
    };
    const report = await exploreChart({ ...fleet, simulation: { final: everyPicked } }, { runs: 12, seed: 1, illegalWeight: 0 });
    expect(report.failures).toEqual([]);
    expect(report.outcomes).toEqual({ done: 12 });
    expect(report.children).toHaveLength(1);
    const picker = report.children[0]!;
    expect(picker).toMatchObject({ chartId: "picker", sessions: 24 });
    expect(picker.states).toEqual({ reached: ["picking", "picked"], missed: ["neverEntered"] });
    expect(formatReport(report)).toContain("child chart picker (24 child sessions):\n  states reached: 2/3 (67%)\n    never reached: neverEntered");
  });

  it("still sends a refused event now and then by default, so the fallback is explored", async () => {
    const report = await exploreChart(fleet, { runs: 30, seed: 1 });
    expect(report.children[0]!.transitions.reached).toContain("picking --number.picked #2--> (no target)");
  });

  it("checks the child chart's invariants and names the child session and the run's seed", async () => {
    const report = await exploreChart(fleet, { runs: 4, seed: 7, input: { wanted: [1, 3] }, illegalWeight: 0, shrink: false });
    expect(report.failures).toHaveLength(1);
    const failure = report.failures[0]!;
    expect(failure).toMatchObject({ kind: "invariant", property: "picker: never 3", child: { sessionId: "pickers-2", chartId: "picker" } });
    expect(failure.message).toBe(
      `in child session pickers-2 (chart picker) of the run with seed ${failure.seed}: invariant "never 3" broken after number.picked: returned false`,
    );
    // The sequence is the child's: what its chart processed up to the broken invariant.
    expect(failure.events.at(-1)).toEqual({ type: "number.picked", data: { n: 3 } });
  });
});

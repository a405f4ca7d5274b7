import { describe, expect, it } from "vitest";
import { ChartCheckError, checkChart, fc } from "@escapement/core/testing";
import counter from "./fixtures/counter/chart.js";
import asking from "./fixtures/asking/chart.js";
import ungenerable from "./fixtures/ungenerable/chart.js";

describe("checkChart (@escapement/core/testing)", () => {
  it("resolves with the report when every run holds", async () => {
    const report = await checkChart(asking, { runs: 30, reachAll: true });
    expect(report.failures).toEqual([]);
    expect(report.states.missed).toEqual([]);
  });

  it("rejects with the report as its message: the failure, its seed and its events", async () => {
    const error = await checkChart(counter, { runs: 30 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChartCheckError);
    const { message, report } = error as ChartCheckError;
    expect(message.split("\n")[0]).toBe("chart counter: 1 kind(s) of failing run");
    expect(message).toContain(`seed ${report.failures[0]!.seed} (`);
    expect(message).toMatch(/invariant: invariant "at most 6" broken after count\.up/);
    expect(message).toMatch(/\n {7}1\. count\.up \{"by":[123]\}/);
  });

  it("rejects when a state it must reach is not reached", async () => {
    const error = await checkChart(asking, { runs: 20, cancelWeight: 0, reach: ["red", "cancelled"] }).catch((caught: unknown) => caught);
    expect((error as ChartCheckError).message.split("\n")[0]).toBe("chart asking: states never reached: cancelled");
  });

  it("takes arbitraries made with its fast-check for what the schemas cannot say", async () => {
    const helped = { ...ungenerable, simulation: { arbitraries: { "note.taken": { "notes.*.text": fc.constantFrom("milk", "eggs") } } } };
    await expect(checkChart(helped, { runs: 10, reachAll: true })).resolves.toMatchObject({ failures: [] });
  });
});

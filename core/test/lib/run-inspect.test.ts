/** run({ inspect }): a host's xstate inspector sees the chart's actors, events and snapshots beside the runner's own; one that throws is a warning. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { run, validateOptions } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { memoryLogger, talkChart, tempDir } from "./helpers.js";

const finishing = () => scriptedModel([{ events: [{ name: "finish", payload: { note: "bye" } }] }]);

describe("run({ inspect })", () => {
  it("an inspector object as @statelyai/inspect makes it ({ inspect: { next } }) sees the actors, the chart's events and its snapshots", async () => {
    const seen: InspectionEvent[] = [];
    const inspector = { inspect: { next: (event: InspectionEvent) => void seen.push(event) } };
    const result = await run({ chart: talkChart(), model: finishing(), sessionDir: join(tempDir(), "s"), inspect: inspector });
    expect(result.status).toBe("done");
    const root = seen.find((event) => event.type === "@xstate.actor")!.actorRef;
    const actors = seen.filter((event) => event.type === "@xstate.actor").map((event) => (event.actorRef as { id?: string }).id);
    expect(actors).toContain("talker");
    const events = seen.flatMap((event) => (event.type === "@xstate.event" && event.actorRef === root ? [event.event as { type: string; note?: string }] : []));
    expect(events.map((event) => event.type)).toContain("finish");
    expect(events.find((event) => event.type === "finish")?.note).toBe("bye");
    const values = seen.flatMap((event) =>
      event.type === "@xstate.snapshot" && event.actorRef === root ? [(event.snapshot as { value?: unknown }).value] : [],
    );
    expect(values).toEqual(["talking", "done"]);
    // The runner's own inspection still wrote its rows.
    const rows = await readAllRows(join(result.sessionDir, "transcript.jsonl"));
    expect(rows.some((row) => row.event === "runner/event-processed" && (row.data as { event: string }).event === "finish")).toBe(true);
  });

  it("a bare function and a bare observer are inspectors too", async () => {
    const byFunction: string[] = [];
    const byObserver: string[] = [];
    await run({ chart: talkChart(), model: finishing(), sessionDir: join(tempDir(), "a"), inspect: (event) => void byFunction.push(event.type) });
    await run({ chart: talkChart(), model: finishing(), sessionDir: join(tempDir(), "b"), inspect: { next: (event) => void byObserver.push(event.type) } });
    for (const types of [byFunction, byObserver])
      expect(new Set(types)).toEqual(new Set(["@xstate.actor", "@xstate.event", "@xstate.snapshot", "@xstate.microstep", "@xstate.action"]));
  });

  it("an inspector that throws is one logged warning; the run ends as it would without it", async () => {
    const log = memoryLogger();
    let calls = 0;
    const result = await run({
      chart: talkChart(),
      model: finishing(),
      sessionDir: join(tempDir(), "s"),
      log,
      inspect: () => {
        calls++;
        throw new Error("inspector is down");
      },
    });
    expect(result.status).toBe("done");
    expect(result.finalConfig).toEqual(["done"]);
    expect(calls).toBeGreaterThan(1);
    const warnings = log.lines.filter((line) => line.includes("inspector"));
    expect(warnings).toEqual([expect.stringMatching(/^warn run .*: the inspector threw on @xstate\.\w+: inspector is down; the run goes on/)]);
  });

  it("something that is no inspector is an option issue at `inspect`", () => {
    expect(validateOptions({ chart: talkChart(), model: finishing(), inspect: { inspect: 42 } })).toEqual({
      ok: false,
      issues: [{ path: "inspect", message: expect.stringContaining("expected an xstate inspector") }],
    });
    expect(validateOptions({ chart: talkChart(), model: finishing(), inspect: "ws://localhost:8080" }).ok).toBe(false);
  });
});

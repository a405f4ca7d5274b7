/**
 * Child charts through run(): a fleet child that throws is a categorized outcome (marked in the
 * fleet's output, or the whole run's status with failFast), the children's mirrored conversations
 * reach the host as public events naming their child session, and nothing is lost.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PublicEvent } from "@escapement/wire-schema";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors, spawnChildren, type FleetChildResult } from "../../src/index.js";
import { run } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import type { RunResult } from "../../src/engine/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { expectTranscriptInvariants } from "../chart/helpers.js";
import { expectValidEvents, tempDir } from "./helpers.js";

/** A child that throws on entry for n = 2, and otherwise talks until the model calls finish. */
const brittleTalker = defineChart({
  id: "brittle-talker",
  machine: setup({ actors: inlineActors, types: { context: {} as { n: number }, input: {} as { n: number } } }).createMachine({
    id: "brittle-talker",
    context: ({ input }) => ({ n: input.n }),
    initial: "checking",
    states: {
      checking: {
        entry: ({ context }) => {
          if (context.n === 2) throw new Error(`child cannot handle n=${context.n}`);
        },
        // Guarded, so the failing child never opens a conversation (which would take a scripted reply).
        always: { guard: ({ context }) => context.n !== 2, target: "talking" },
      },
      talking: {
        invoke: converse({
          id: "talker",
          message: "Talk, then finish.",
          realTools: [],
          allowedEvents: { finish: { schema: z.object({}), description: "end" } },
        }),
        on: { finish: "done" },
      },
      done: { type: "final" },
    },
  }),
});

const parentOf = (failFast: boolean) =>
  defineChart({
    id: "parent",
    machine: setup({ actors: inlineActors }).createMachine({
      id: "parent",
      initial: "fanning",
      states: {
        fanning: {
          invoke: { ...spawnChildren({ id: "batch", chart: brittleTalker, inputs: [{ n: 1 }, { n: 2 }, { n: 3 }], concurrency: 1, failFast }), onDone: "done" },
        },
        done: { type: "final" },
      },
    }),
  });

const finishing = () => ({ deltas: [{ text: "ok" }], events: [{ name: "finish", payload: {} }] });

describe("run() with child charts", () => {
  it("a child that throws is marked error in the fleet's output; the run is done and the children's conversations are events", async () => {
    const events: PublicEvent[] = [];
    const result = await run({
      chart: parentOf(false),
      model: scriptedModel([finishing(), finishing()]),
      sessionDir: join(tempDir(), "parent"),
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ status: "done", finalConfig: ["done"] });
    expectValidEvents(events);
    expectTranscriptInvariants(await readAllRows(result.transcriptPath), result);

    const done = events.find((event) => event.type === "chart-event" && event.event === "xstate.done.actor.batch");
    const output = (done as { data: { output: FleetChildResult[] } }).data.output;
    expect(output.map((child) => [child.childSessionId, child.status])).toEqual([
      ["batch-1", "done"],
      ["batch-2", "error"],
      ["batch-3", "done"],
    ]);
    expect(output[1]!.error).toMatchObject({ category: "chart", message: expect.stringContaining("child cannot handle n=2") });

    // The failed child's own session is whole and says why.
    const childDir = join(result.sessionDir, "children", "batch-2");
    const childRows = await readAllRows(join(childDir, "transcript.jsonl"));
    expectTranscriptInvariants(childRows, { sessionDir: childDir, status: "error" } as RunResult);
    expect(childRows.find((row) => row.event === "runner/error")?.data).toMatchObject({ category: "chart", message: expect.stringContaining("n=2") });

    // Mirrored conversations: each event names its child session, ids prefixed with it.
    const requests = events.filter((event) => event.type === "llm-request");
    expect(requests.map((event) => [event.childSessionId, event.type === "llm-request" && event.invokeId])).toEqual([
      ["batch-1", "batch-1/talker"],
      ["batch-3", "batch-3/talker"],
    ]);
    for (const event of events) expect(event).toMatchObject({ sessionId: result.sessionId, runId: result.runId });
    expect(events.at(-1)?.type).toBe("run-done");
  });

  it("with failFast, a child that throws ends the run with a categorized error, and the rows stay", async () => {
    const events: PublicEvent[] = [];
    const result = await run({
      chart: parentOf(true),
      model: scriptedModel([finishing(), finishing()]),
      sessionDir: join(tempDir(), "parent"),
      onEvent: (event) => events.push(event),
    });
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("child-failed");
    expect(result.error?.message).toContain("batch-2");
    expectValidEvents(events);
    expectTranscriptInvariants(await readAllRows(result.transcriptPath), result);
    expect(events.at(-1)).toMatchObject({ type: "run-error", category: "child-failed" });
    expect(existsSync(join(result.sessionDir, "children", "batch-2", "transcript.jsonl"))).toBe(true);
  });
});

/**
 * A run holds some of its session files open while it writes them (the transcript, the checkpoint
 * journal between flushes) and gives every descriptor back when it ends: a process serving
 * thousands of sessions one after another keeps none of a finished session's files open.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart, runChart } from "../../src/engine/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { tempDir } from "../chart/helpers.js";
import { openUnder } from "../support/open-files.js";

const chart = defineChart({
  id: "two-turns",
  machine: setup({ actors: inlineActors }).createMachine({
    id: "two-turns",
    initial: "working",
    states: {
      working: {
        invoke: converse({
          id: "agent",
          message: "Work in two steps.",
          realTools: [],
          allowedEvents: { "step.done": { schema: z.object({ step: z.number().int() }), description: "report a step" } },
        }),
        on: { "step.done": {}, "llm.idle": "done" },
      },
      done: { type: "final" },
    },
  }),
});

describe("a run's session files", () => {
  it.runIf(openUnder("/") !== undefined)("are open while it writes them and all closed when it ends", async () => {
    const sessionDir = join(tempDir(), "s1");
    let openMidway: string[] = [];
    const model = scriptedModel([{ text: "first", events: [{ name: "step_done", payload: { step: 1 } }] }, { text: "second" }]);
    const result = await runChart({
      chart,
      model,
      sessionDir,
      taps: [
        (rows) => {
          if (rows.some((row) => row.event === "llm/response")) openMidway = openUnder(sessionDir)!;
        },
      ],
    });
    expect(result.status).toBe("done");
    expect(openMidway).toEqual(expect.arrayContaining([join(sessionDir, "checkpoints.jsonl"), join(sessionDir, "transcript.jsonl")]));
    expect(openUnder(sessionDir)).toEqual([]);
    expect(readFileSync(join(sessionDir, "cassette.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
  });
});

/**
 * A checkpoint holds the state its rows lead to, on a store that acknowledges writes later (as one
 * over a network does): the chart may move on while a batch is on its way, and a checkpoint holding
 * that later state under the batch's seq would, on a resume, skip the rows cut after it (a
 * transition the transcript then never shows). And the run's end is written after its last
 * checkpoint: a store makes a session's writes durable in the order they were made, so a session
 * that reads `done` holds its final state (a fleet reads a finished child's output from it).
 */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { defineChart } from "../../src/engine/define-chart.js";
import { runChart } from "../../src/engine/runner.js";
import { scriptedModel } from "../../src/llm/index.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import { memoryStore, type SessionStore } from "../../src/store/index.js";
import { collect } from "../support/waiting.js";

/** Counts to 30, one step per turn of the event loop (a timer each), so batches and steps interleave. */
/** The writes a run makes through its writer, in the order it makes them. */
function loggingStore(inner: SessionStore, log: { what: string; seq?: number; value?: unknown; status?: string }[]): SessionStore {
  return {
    ...inner,
    create: async (request) => {
      const writer = await inner.create(request);
      const sink = writer.checkpoints;
      if (!("append" in sink)) throw new Error("expected a checkpoint sink");
      return Object.assign(Object.create(writer) as typeof writer, {
        checkpoints: {
          append: (json: string, at: { seq: number; offset: number }) => {
            const record = JSON.parse(json) as { state: { value: unknown; output?: unknown } };
            log.push({ what: "checkpoint", seq: at.seq, value: record.state.value });
            return sink.append(json, at);
          },
          ioSize: () => sink.ioSize(),
        },
        writeManifest: (manifest: { status: string }) => {
          log.push({ what: "manifest", status: manifest.status });
          return writer.writeManifest(manifest as never);
        },
      });
    },
  };
}

const counter = defineChart({
  id: "counter",
  machine: setup({ types: { context: {} as { n: number } } }).createMachine({
    id: "counter",
    context: { n: 0 },
    initial: "a",
    states: {
      a: { after: { 0: [{ guard: ({ context }) => context.n >= 30, target: "done" }, { target: "b" }] } },
      b: { entry: ({ context }) => void (context.n += 1), after: { 0: "a" } },
      done: { type: "final" },
    },
  }),
});

describe("checkpoints on a store that acknowledges later", () => {
  it("each holds the state of the last row its seq covers, never a later one", async () => {
    const inner = memoryStore({ acknowledge: "later" });
    const log: { what: string; seq?: number; value?: unknown; status?: string }[] = [];
    const store = loggingStore(inner, log);
    const result = await runChart({ chart: counter, model: scriptedModel([]), store, ids: sequentialIds() });
    expect(result.status).toBe("done");
    const rows = await collect(inner.rows(result.sessionId));
    const records = log.filter((entry) => entry.what === "checkpoint") as { seq: number; value: unknown }[];
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) {
      const last = rows.filter((row) => row.seq <= record.seq && row.event === "runner/event-processed").at(-1);
      const after = last ? (last.data as { after: string[] }).after : ["a"];
      expect([record.value], `checkpoint at seq ${record.seq}`).toEqual(after);
    }
  });

  it("writes the run's end after its last checkpoint, which holds the final state", async () => {
    const inner = memoryStore({ acknowledge: "later" });
    const log: { what: string; seq?: number; value?: unknown; status?: string }[] = [];
    const result = await runChart({ chart: counter, model: scriptedModel([]), store: loggingStore(inner, log), ids: sequentialIds() });
    expect(result.status).toBe("done");
    const end = log.findIndex((entry) => entry.what === "manifest" && entry.status === "done");
    const lastCheckpoint = log.findLastIndex((entry) => entry.what === "checkpoint");
    expect(end).toBeGreaterThan(lastCheckpoint);
    expect(log[lastCheckpoint]).toMatchObject({ value: "done" });
  });
});

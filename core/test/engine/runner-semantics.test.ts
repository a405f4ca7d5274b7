import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart, runChart } from "../../src/engine/index.js";
import { ScriptedHuman } from "../../src/human/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { CheckpointStore, readAllRows, sessionPaths, type TranscriptRow } from "../../src/runtime/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import { expectTranscriptInvariants, processed, rowsOf, runScripted, sleep, spyModel, tempDir } from "../chart/helpers.js";

const talkChart = (id = "talk") =>
  setup({ actors: inlineActors }).createMachine({
    id,
    initial: "talking",
    states: {
      talking: {
        invoke: converse({ id: "c", message: "hello", realTools: [], allowedEvents: { finish: { schema: z.object({}), description: "end" } } }),
        on: { finish: "done", "llm.idle": "done" },
      },
      done: { type: "final" },
    },
  });

describe("transcript", () => {
  it("seq is gap-free from 1, runner/started first, runner/done last, and matches the result", async () => {
    const { result, rows } = await runScripted({ chart: talkChart(), script: [{ deltas: [{ text: "a" }, { text: "b" }] }] });
    // runScripted already checked the invariants; check them here on the raw file too.
    const lines = readFileSync(result.transcriptPath, "utf8").trimEnd().split("\n");
    const parsed = lines.map((line) => JSON.parse(line) as TranscriptRow);
    expect(parsed.map((row) => row.seq)).toEqual(parsed.map((_, index) => index + 1));
    expect(parsed[0]!.event).toBe("runner/started");
    expect(parsed.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done", finalConfig: ["done"] } });
    expect(rows).toEqual(parsed);
    expect(parsed[0]!.data).toMatchObject({ sessionId: result.sessionId, runId: result.runId, chartId: "talk", resumed: false });
  });

  it("a row is on disk before a tap sees it, including rows flushed mid-tick by a large batch", async () => {
    const big = "x".repeat(300 * 1024);
    const sessionDir = join(tempDir(), "session");
    const seen: number[] = [];
    const problems: string[] = [];
    const tap = (batch: readonly TranscriptRow[]) => {
      const onDisk = new Set(
        readFileSync(join(sessionDir, "transcript.jsonl"), "utf8")
          .split("\n")
          .filter((line) => line.length > 0)
          .map((line) => (JSON.parse(line) as TranscriptRow).seq),
      );
      for (const row of batch) {
        if (!onDisk.has(row.seq)) problems.push(`${row.seq} ${row.event}`);
        seen.push(row.seq);
      }
    };
    const { rows } = await runScripted({
      chart: talkChart(),
      script: [{ deltas: [{ text: "small " }, { text: big }, { text: big }, { text: " end" }] }],
      sessionDir,
      taps: [tap],
    });
    expect(problems).toEqual([]);
    expect(seen).toEqual(rows.map((row) => row.seq));
    // Fragments join while they wait for one flush, but each 300 KiB one fills a 256 KiB batch and is written at once.
    const deltas = rowsOf(rows, "llm/delta");
    expect(deltas.map((row) => (row.data as { text: string }).text.length)).toEqual([6 + big.length, big.length, 4]);
    expect(deltas.map((row) => (row.data as { text: string }).text).join("")).toBe(`small ${big}${big} end`);
  });

  it("the last checkpoint covers the whole transcript when the run ends", async () => {
    const { result, rows } = await runScripted({ chart: talkChart(), script: [{ text: "hi" }] });
    const checkpoint = CheckpointStore.load(sessionPaths(result.sessionDir).checkpoints)!;
    expect(checkpoint.seq).toBe(rows.at(-1)!.seq);
    expect(checkpoint.offset).toBe(readFileSync(result.transcriptPath).length);
  });

  it("every processed chart event is recorded with the configuration before and after", async () => {
    const { rows } = await runScripted({ chart: talkChart(), script: [{ events: [{ name: "finish" }] }] });
    expect(rowsOf(rows, "runner/start-config").map((row) => row.data)).toEqual([{ config: ["talking"] }]);
    expect(processed(rows)).toEqual([
      {
        event: "finish",
        eventData: { invokeId: "c" },
        before: ["talking"],
        after: ["done"],
        entered: ["done"],
        exited: ["talking"],
        stateHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
  });
});

describe("run endings", () => {
  it("wedge guard: a chart stuck with nothing pending ends with status error, category wedged", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "stuck",
      initial: "waiting",
      states: { waiting: { on: { never: "done" } }, done: { type: "final" } },
    });
    const { result, rows, elapsedMs } = await runScripted({ chart: machine, wedge: { intervalMs: 10, cycles: 5 } });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "wedged" });
    expect(result.error!.message).toContain("[waiting]");
    expect(rowsOf(rows, "runner/error").map((row) => row.data)).toEqual([expect.objectContaining({ category: "wedged" })]);
    expect(rows.at(-1)!.data).toMatchObject({ status: "error", error: { category: "wedged" } });
    expect(elapsedMs).toBeGreaterThanOrEqual(40);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it("wedge guard: a conversation waiting on a slow model is not wedged", async () => {
    const { result } = await runScripted({
      chart: talkChart(),
      script: [{ text: "slow but fine", firstTokenMs: 300 }],
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(result.status).toBe("done");
  });

  it("wedge guard: a prompt waiting on a human is not wedged", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "prompt-wait",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "ask", realTools: [], askHuman: true }), on: { "llm.idle": "done" } },
        done: { type: "final" },
      },
    });
    const slowHuman = new ScriptedHuman([{ value: "later" }]);
    const ask = slowHuman.ask.bind(slowHuman);
    slowHuman.ask = async (request) => {
      await sleep(300);
      return ask(request);
    };
    const { result } = await runScripted({
      chart: machine,
      human: slowHuman,
      script: [{ toolCalls: [{ name: "ask_human", input: { message: "when?" } }] }, { text: "ok" }],
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(result.status).toBe("done");
  });

  it("cooperative cancel via AbortSignal ends with status aborted and aborts the model call", async () => {
    const controller = new AbortController();
    const model = spyModel(scriptedModel([{ text: "never", firstTokenMs: 10_000 }]));
    setTimeout(() => controller.abort(), 50);
    const { result, rows, elapsedMs } = await runScripted({ chart: talkChart(), model, signal: controller.signal });
    expect(result.status).toBe("aborted");
    expect(elapsedMs).toBeLessThan(2_000);
    expect(rows.at(-1)!.data).toMatchObject({ status: "aborted", finalConfig: ["talking"] });
    await sleep(20);
    expect(model.records[0]!.outcome).toBe("aborted");
    expect(rowsOf(rows, "llm/response")).toHaveLength(0);
    expect(rowsOf(rows, "llm/conversation-ended", { invokeId: "c" })).toHaveLength(1);
  });

  it("a signal aborted before the run starts ends it at once, before any model call", async () => {
    const model = spyModel(scriptedModel([{ text: "should not be asked" }]));
    const { result, rows } = await runScripted({ chart: talkChart(), model, signal: AbortSignal.abort() });
    expect(result.status).toBe("aborted");
    await sleep(50);
    expect(model.records).toHaveLength(0);
    expect(rowsOf(rows, "llm/request")).toHaveLength(0);
  });

  it("a conversation naming an unknown model alias ends the run with an error before any model call", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "bad-alias",
      initial: "talking",
      states: { talking: { invoke: converse({ id: "c", message: "hi", model: "no-such-alias", realTools: [] }) } },
    });
    const model = spyModel(scriptedModel([{ text: "never" }]));
    const { result, rows } = await runScripted({ chart: machine, model });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "unknown-alias" });
    expect(result.error!.message).toContain("no-such-alias");
    expect(model.records).toHaveLength(0);
    expect(rowsOf(rows, "llm/request")).toHaveLength(0);
  });

  it("a chart action that throws ends the run with status error, category chart", async () => {
    const machine = setup({
      actors: inlineActors,
      actions: {
        explode: () => {
          throw new Error("boom in an action");
        },
      },
    }).createMachine({
      id: "throws",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "hi", realTools: [] }), on: { "llm.idle": { actions: "explode" } } },
      },
    });
    const { result, rows } = await runScripted({ chart: machine, script: [{ text: "hello" }] });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ category: "chart" });
    expect(result.error!.message).toContain("boom in an action");
    expect(rowsOf(rows, "runner/error")).toHaveLength(1);
  });
});

describe("a session directory that cannot be written", () => {
  // BUG in the runner, core/src/engine (skipped until fixed): a failing checkpoint write is never handled.
  // A checkpoint write that fails (EMFILE, ENOSPC, ENOTDIR...) can happen in a flush the writer
  // scheduled itself, in a turn's flush, or while closing: each must end the run with status error
  // naming the failed write, never escape as an uncaught exception or leave the run unsettled.
  it("a checkpoint write that fails ends the run with an error instead of escaping or hanging", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "unwritable",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "go", realTools: [] }), on: { "llm.idle": "waiting" } },
        waiting: { after: { 300: "done" } },
        done: { type: "final" },
      },
    });
    const sessionDir = join(tempDir(), "session");
    const stray: string[] = [];
    const onError = (error: unknown) => stray.push(String((error as Error)?.message ?? error));
    process.on("uncaughtException", onError);
    process.on("unhandledRejection", onError);
    try {
      const run = runChart({
        chart: defineChart({ id: "unwritable", machine }),
        model: scriptedModel([{ text: "hi", firstTokenMs: 20 }]),
        sessionDir,
        // Compact at every checkpoint: each one writes checkpoint.json.tmp by path.
        checkpointCompactBytes: 1,
      });
      // runChart has started the session (its first checkpoints were written synchronously);
      // every later checkpoint write now fails with EISDIR.
      mkdirSync(join(sessionDir, "checkpoint.json.tmp"));
      const result = await Promise.race([run, sleep(2_000).then(() => undefined)]);
      expect(stray).toEqual([]);
      expect(result?.status).toBe("error");
    } finally {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    }
  });
});

describe("two runs in one process", () => {
  it("stay isolated: own session dirs, tool registries and models; neither sees the other's rows", async () => {
    const makeRun = (name: string) => {
      const seen: string[] = [];
      const probe = defineTool({
        name: "probe",
        description: "reports which run it belongs to",
        input: z.object({}),
        execute: async () => {
          seen.push(name);
          await sleep(20);
          return { output: `probe of ${name}` };
        },
      });
      const machine = setup({ actors: inlineActors }).createMachine({
        id: `iso-${name}`,
        // The conversation starts late, once both runs are under way: per-run services must be
        // found by the actor system, not by "whichever run started last".
        initial: "warming",
        states: {
          warming: { after: { 30: "talking" } },
          talking: {
            invoke: converse({ id: `conv-${name}`, message: `task ${name}`, realTools: ["probe"] }),
            on: { "llm.idle": "done" },
          },
          done: { type: "final" },
        },
      });
      const step = {
        toolCalls: [{ name: "probe" }],
        deltas: [
          { text: `${name}-1 `, afterMs: 10 },
          { text: `${name}-2`, afterMs: 10 },
        ],
      };
      const model = scriptedModel([step, step, { text: `bye from ${name}`, firstTokenMs: 10 }]);
      const taps: TranscriptRow[] = [];
      const sessionDir = join(tempDir(), `session-${name}`);
      return {
        name,
        seen,
        model,
        taps,
        promise: runChart({
          chart: defineChart({ id: `iso-${name}`, machine }),
          model,
          tools: new ToolRegistry([probe]),
          sessionDir,
          taps: [(rows) => taps.push(...rows)],
        }),
      };
    };
    const runs = [makeRun("A"), makeRun("B")];
    const results = await Promise.all(runs.map((run) => run.promise));

    expect(results.map((result) => result.status)).toEqual(["done", "done"]);
    expect(results[0]!.sessionDir).not.toBe(results[1]!.sessionDir);
    expect(results[0]!.runId).not.toBe(results[1]!.runId);
    for (const [index, run] of runs.entries()) {
      const other = runs[1 - index]!.name;
      const result = results[index]!;
      const rows = await readAllRows(result.transcriptPath);
      expectTranscriptInvariants(rows, result);
      expect(run.seen).toEqual([run.name, run.name]);
      expect(run.model.calls.every((call) => call.origin.invokeId === `conv-${run.name}`)).toBe(true);
      expect(run.model.calls).toHaveLength(3);
      expect(run.taps.map((row) => row.seq)).toEqual(rows.map((row) => row.seq));
      const text = readFileSync(result.transcriptPath, "utf8");
      expect(text).not.toContain(`conv-${other}`);
      expect(text).not.toContain(`${other}-1`);
      expect(text).not.toContain(results[1 - index]!.runId);
      expect(rowsOf(rows, "llm/tool-result", { name: "probe" }).map((row) => (row.data as { snippet: string }).snippet)).toEqual([
        `probe of ${run.name}`,
        `probe of ${run.name}`,
      ]);
    }
  });
});

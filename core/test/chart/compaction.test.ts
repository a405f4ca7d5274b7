/**
 * Compaction in a real run: a router that knows the model's context window (so responses carry
 * `contextUsed`), a target that fails with context-length when a prompt does not fit, a chart
 * tool whose results fill the history. The history is compacted before it would not fit; the
 * compaction is kept across a resume (even one that crashed in the middle of it) and replays
 * from the cassette.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assign, setup } from "xstate";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { compact, converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { defaultCompactionPrompt, type CompactionParam } from "../../src/chart/compaction.js";
import { summaryHeading } from "../../src/chart/compaction-cut.js";
import { defineChart, type ChartDefinition } from "../../src/engine/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { LlmError } from "../../src/llm/llm-error.js";
import type { ModelRequest, ModelResponse, TargetClient } from "../../src/llm/protocol.js";
import { requestTextLength, tokensOfLength } from "../../src/llm/request-summary.js";
import { createModelRouter } from "../../src/llm/router/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { sessionPaths } from "../../src/runtime/index.js";
import { defineTool } from "../../src/tools/tool.js";
import { runChart, startChart, type ChartHandle } from "../../src/engine/runner.js";
import type { ModelClient } from "../../src/llm/protocol.js";
import { readAllRows, type TranscriptRow } from "../../src/runtime/index.js";
import { expectTranscriptInvariants, processed, rowsOf, runScripted, tempDir } from "./helpers.js";

const window = 1000;
const pageText = "lorem ipsum ".repeat(34);

/** The chart's tool: a page of about 100 tokens. */
const readPage = defineTool({
  name: "read_page",
  description: "Reads one page of the book.",
  input: z.object({ page: z.number().int() }),
  idempotent: true,
  execute: async ({ page }) => ({ output: `page ${page}: ${pageText}` }),
});

/** The highest page the request mentions (tool results, or a summary that lists them). */
const lastPage = (request: ModelRequest): number =>
  Math.max(0, ...[...JSON.stringify(request.messages).matchAll(/page (\d+)/g)].map((match) => Number(match[1])));

/**
 * A model of `window` tokens that reads pages 1..`pages` one step at a time, then says it finished;
 * asked for a summary (the compaction instruction), it says which pages were read. Its answers
 * depend on the request alone, so a resumed run gets the same ones. `asked` sees every request.
 */
function reader(pages: number, asked: ModelRequest[] = [], failSummaries = false) {
  const target: TargetClient = {
    target: { provider: "local", model: "small" },
    call: async (request): Promise<ModelResponse> => {
      asked.push(request);
      const input = tokensOfLength(requestTextLength(request));
      if (input > window) throw new LlmError("context-length", `prompt of ${input} tokens is over the ${window}-token window`, { status: 400 });
      const usage = (output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0 });
      if (JSON.stringify(request.messages).includes(defaultCompactionPrompt)) {
        if (failSummaries) throw new LlmError("overloaded", "busy", { status: 529 });
        return {
          content: [{ type: "text", text: `Read pages 1 to ${lastPage(request)} of the book.` }],
          stopReason: "end_turn",
          usage: usage(12),
          target: "local:small",
        };
      }
      const next = lastPage(request) + 1;
      if (next > pages) return { content: [{ type: "text", text: "I read the whole book." }], stopReason: "end_turn", usage: usage(6), target: "local:small" };
      return {
        content: [{ type: "tool-call", id: `read-${next}`, name: "read_page", input: { page: next } }],
        stopReason: "tool_use",
        usage: usage(10),
        target: "local:small",
      };
    },
  };
  return createModelRouter({
    aliases: { default: [target.target] },
    connect: () => target,
    facts: () => ({ contextWindow: window }),
    sleep: () => Promise.resolve(),
  });
}

function readingChart(compaction?: CompactionParam): ChartDefinition {
  const machine = setup({ actors: inlineActors }).createMachine({
    id: "reading",
    initial: "read",
    states: {
      read: {
        invoke: converse({
          id: "reader",
          message: "Read the book, one page a step.",
          realTools: ["read_page"],
          maxTurns: 100,
          ...(compaction === undefined ? {} : { compaction }),
        }),
        on: { "llm.idle": "done", "error.llm.*": "failed" },
      },
      done: { type: "final" },
      failed: { type: "final" },
    },
  });
  return defineChart({ id: "reading", machine, tools: [readPage] });
}

const turnRequests = (asked: readonly ModelRequest[]) => asked.filter((request) => request.origin.purpose === undefined);
const summaryRequests = (asked: readonly ModelRequest[]) => asked.filter((request) => request.origin.purpose === "compaction");

/**
 * A copy of the session as a process killed after the checkpoints `keep` picks, and after the
 * summary call before step `step` was answered and recorded, would leave it.
 */
function crashedCopy(from: string, keep: (record: { seq: number }) => boolean, step: number): string {
  const dir = join(tempDir(), "crashed");
  cpSync(from, dir, { recursive: true });
  const paths = sessionPaths(dir);
  const lines = readFileSync(paths.cassette, "utf8").split("\n").filter(Boolean);
  const summary = lines.findIndex((line) => {
    const call = JSON.parse(line) as { origin?: { turn: number; purpose?: string } };
    return call.origin?.purpose === "compaction" && call.origin.turn === step;
  });
  expect(summary).toBeGreaterThan(0);
  writeFileSync(paths.cassette, `${lines.slice(0, summary + 1).join("\n")}\n`);
  const records = readFileSync(paths.checkpoints.journal, "utf8").split("\n").filter(Boolean);
  const kept = records.filter((line) => keep(JSON.parse(line) as { seq: number }));
  writeFileSync(paths.checkpoints.journal, `${kept.join("\n")}\n`);
  const manifest = JSON.parse(readFileSync(paths.manifest, "utf8")) as Record<string, unknown>;
  delete manifest.endedAt;
  writeFileSync(paths.manifest, JSON.stringify({ ...manifest, status: "running" }, null, 2));
  return dir;
}

async function resume(dir: string, model: ModelClient, chart: ChartDefinition = readingChart({ at: 0.6, keepLast: 4 })) {
  const result = await runChart({ chart, model, resume: dir, cwd: dir });
  const rows = await readAllRows(result.transcriptPath);
  expectTranscriptInvariants(rows, result);
  return { result, rows };
}

describe("compaction at the threshold", () => {
  it("without it, the history outgrows the window and the call fails with context-length (the control)", async () => {
    const { result, rows } = await runScripted({ chart: readingChart(false), model: reader(20) });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(rowsOf(rows, "llm/error")[0]!.data).toMatchObject({ category: "context-length" });
  });

  it("summarises the older history before a call that would pass it, and the conversation finishes", async () => {
    const asked: ModelRequest[] = [];
    const { result, rows } = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4 }), model: reader(20, asked) });
    expect(result.finalConfig).toEqual(["done"]);
    expect(rowsOf(rows, "llm/error")).toEqual([]);
    const compacted = rowsOf(rows, "llm/compacted").map((row) => row.data as Record<string, number | string>);
    expect(compacted.length).toBeGreaterThanOrEqual(2);
    for (const row of compacted) {
      expect(row).toMatchObject({ invokeId: "reader", reason: "threshold" });
      expect(row.tokensBefore).toBeGreaterThan(0.6 * window);
      expect(row.tokensAfter).toBeLessThan(row.tokensBefore as number);
      expect(row.messagesAfter).toBeLessThan(row.messagesBefore as number);
    }
    // Each summary call comes right before the step it names, with its own origin; that step's request holds the summary.
    const summaries = summaryRequests(asked);
    expect(summaries.map((request) => request.origin.turn)).toEqual(compacted.map((row) => row.turn));
    for (const summary of summaries) {
      const step = turnRequests(asked).find((request) => request.origin.turn === summary.origin.turn)!;
      expect(step.messages[0]!.content).toEqual([
        { type: "text", text: "Read the book, one page a step." },
        { type: "text", text: `${summaryHeading}Read pages 1 to ${lastPage(summary)} of the book.` },
      ]);
      expect(step.messages.length).toBe(5);
    }
    // Every page was read once: nothing was lost or repeated across the compactions.
    const pages = rowsOf(rows, "llm/tool-call").map((row) => (row.data as { snippet: string }).snippet);
    expect(pages).toEqual(Array.from({ length: 20 }, (_, i) => `{"page":${i + 1}}`));
  });

  it("keeps the history as it is when the summary call fails, with a notice naming why", async () => {
    const asked: ModelRequest[] = [];
    const { result, rows } = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4 }), model: reader(20, asked, true) });
    // The step's own call then fails on its own.
    expect(result.finalConfig).toEqual(["failed"]);
    const notices = rowsOf(rows, "runner/notice", { code: "compaction-failed" }).map((row) => row.data as { message: string });
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices[0]!.message).toMatch(
      /^conversation "reader" in state read, before turn \d+: the summary call failed, the history is kept as it is: overloaded: .*busy$/,
    );
    expect(rowsOf(rows, "llm/compacted")).toEqual([]);
    // Tried once before each step, not again and again.
    const failedTurns = notices.map((_, index) => (rowsOf(rows, "runner/notice", { code: "compaction-failed" })[index]!.data as { turn: number }).turn);
    expect(new Set(failedTurns).size).toBe(failedTurns.length);
  });
});

describe("the compact action", () => {
  const chart = (keepLast: number) =>
    defineChart({
      id: "asked",
      tools: [readPage],
      machine: setup({ actors: inlineActors, types: { context: {} as { idles: number } } }).createMachine({
        id: "asked",
        context: { idles: 0 },
        initial: "read",
        states: {
          read: {
            invoke: converse({ id: "reader", message: "Read the book, one page a step.", realTools: ["read_page"], compaction: { at: 1, keepLast } }),
            on: {
              "llm.idle": [
                { guard: ({ context }) => context.idles === 0, actions: [assign({ idles: 1 }), compact("reader"), tellLlm("reader", "Now say it again.")] },
                { target: "done" },
              ],
            },
          },
          done: { type: "final" },
        },
      }),
    });

  const script = [
    ...[1, 2, 3].map((page) => ({ toolCalls: [{ name: "read_page", input: { page } }] })),
    { text: "Read three pages." },
    { text: "Pages 1 to 3 were read.", expect: { lastUserIncludes: defaultCompactionPrompt } },
    { text: "Read three pages, again.", expect: { turn: 5, lastUserIncludes: "Now say it again." } },
  ];

  it("compacts before the conversation's next step", async () => {
    const { result, rows, model } = await runScripted({ chart: chart(2), script });
    expect(result.finalConfig).toEqual(["done"]);
    expect(rowsOf(rows, "llm/compacted").map((row) => row.data)).toEqual([
      expect.objectContaining({ invokeId: "reader", turn: 5, reason: "requested", messagesBefore: 9, messagesAfter: 3 }),
    ]);
    const last = model!.calls[model!.calls.length - 1]!;
    expect(last.origin).toEqual({ invokeId: "reader", stateId: "read", turn: 5 });
    expect(last.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Read the book, one page a step." },
          { type: "text", text: `${summaryHeading}Pages 1 to 3 were read.` },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "Read three pages." }] },
      { role: "user", content: [{ type: "text", text: "Now say it again." }] },
    ]);
    model!.assertComplete();
  });

  it("a scripted model resumed after the compaction steps past the summary it already answered", async () => {
    const { result, rows } = await runScripted({ chart: chart(2), script });
    const compactedAt = rowsOf(rows, "llm/compacted")[0]!;
    const dir = crashedCopy(result.sessionDir, (record) => record.seq <= compactedAt.seq + 1, 5);
    const model = scriptedModel(script);
    const resumed = await resume(dir, model, chart(2));
    expect(resumed.result.finalConfig).toEqual(["done"]);
    expect(model.calls.map((call) => call.origin)).toEqual([{ invokeId: "reader", stateId: "read", turn: 5 }]);
    model.assertComplete();
  });

  it("with nothing old enough to summarise, writes a notice and leaves the history alone", async () => {
    const script = [{ text: "Nothing to read." }, { text: "Still nothing." }];
    const { result, rows, model } = await runScripted({ chart: chart(8), script });
    expect(result.finalConfig).toEqual(["done"]);
    expect(rowsOf(rows, "runner/notice", { code: "compaction-skipped" }).map((row) => (row.data as { message: string }).message)).toEqual([
      'conversation "reader" in state read, before turn 2: no compaction (requested): keepLast 8 keeps the whole history (3 messages)',
    ]);
    expect(model!.calls[1]!.messages).toHaveLength(3);
  });

  it("compacts an idle conversation at once", async () => {
    const idleChart = defineChart({
      id: "idle",
      machine: setup({ actors: inlineActors }).createMachine({
        id: "idle",
        initial: "talk",
        states: {
          talk: {
            invoke: converse({
              id: "c",
              initialMessages: [
                { role: "user", content: [{ type: "text", text: "one" }] },
                { role: "assistant", content: [{ type: "text", text: "a" }] },
              ],
              message: "two",
              compaction: { at: 1, keepLast: 1 },
            }),
            on: { squeeze: { actions: compact("c") }, finish: "done" },
          },
          done: { type: "final" },
        },
      }),
    });
    const model = scriptedModel([{ text: "first" }, { text: "one, a and two, summed up", expect: { lastUserIncludes: defaultCompactionPrompt } }]);
    // Once the conversation waits idle, the chart asks; the run ends only when the compaction is made.
    const started: { handle?: ChartHandle } = {};
    const drive = (rows: readonly TranscriptRow[]) => {
      for (const row of rows) {
        if (row.event === "runner/event-processed" && (row.data as { event: string }).event === "llm.idle") started.handle!.send({ type: "squeeze" });
        if (row.event === "llm/compacted") started.handle!.send({ type: "finish" });
      }
    };
    started.handle = await startChart({ chart: idleChart, model, sessionDir: join(tempDir(), "s"), taps: [drive] });
    const result = await started.handle.result;
    expect(result.error).toBeUndefined();
    expect(result.finalConfig).toEqual(["done"]);
    const rows = await readAllRows(result.transcriptPath);
    expect(rowsOf(rows, "llm/compacted").map((row) => row.data)).toEqual([
      expect.objectContaining({ invokeId: "c", turn: 2, reason: "requested", messagesBefore: 4, messagesAfter: 2 }),
    ]);
    model.assertComplete();
  });
});

describe("a compacted conversation on resume and in replay", () => {
  /** A finished compacted run of the reading chart. */
  async function compactedRun() {
    const asked: ModelRequest[] = [];
    const outcome = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4 }), model: reader(12, asked) });
    expect(outcome.result.finalConfig).toEqual(["done"]);
    return { ...outcome, asked };
  }

  it("a resume after the compaction's checkpoint goes on from the compacted history, paying for no summary", async () => {
    const { result, rows } = await compactedRun();
    const compactedAt = rowsOf(rows, "llm/compacted")[0]!;
    const step = (compactedAt.data as { turn: number }).turn;
    const dir = crashedCopy(result.sessionDir, (record) => record.seq <= compactedAt.seq + 1, step);
    const asked: ModelRequest[] = [];
    const resumed = await resume(dir, reader(12, asked));
    expect(resumed.result.finalConfig).toEqual(["done"]);
    const first = asked[0]!;
    expect(first.origin).toEqual({ invokeId: "reader", stateId: "read", turn: step });
    expect(JSON.stringify(first.messages[0])).toContain(summaryHeading.trim());
    expect(summaryRequests(asked).every((request) => request.origin.turn > step)).toBe(true);
  });

  it("a resume after a crash in the middle of the compaction takes the summary the cassette holds, not a new one", async () => {
    const { result, rows, asked: before } = await compactedRun();
    const compactedAt = rowsOf(rows, "llm/compacted")[0]!;
    const step = (compactedAt.data as { turn: number }).turn;
    // The last checkpoint before the row: the summary was answered (and recorded), the row never kept.
    const dir = crashedCopy(result.sessionDir, (record) => record.seq < compactedAt.seq, step);
    const asked: ModelRequest[] = [];
    const resumed = await resume(dir, reader(12, asked));
    expect(resumed.result.finalConfig).toEqual(["done"]);
    expect(summaryRequests(asked).filter((request) => request.origin.turn === step)).toEqual([]);
    // The step after it went out with the same compacted history as in the first run.
    const original = turnRequests(before).find((request) => request.origin.turn === step)!;
    const again = turnRequests(asked).find((request) => request.origin.turn === step)!;
    expect(again.messages).toEqual(original.messages);
    expect(rowsOf(resumed.rows, "llm/compacted").filter((row) => (row.data as { turn: number }).turn === step)).toHaveLength(1);
  });

  it("a strict replay of the cassette makes the same compactions, with no miss", async () => {
    const { result, rows } = await compactedRun();
    const replay = new CassetteModel(await loadCassette(result.sessionDir), { mode: "strict" });
    const replayed = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4 }), model: replay });
    expect(replayed.result.finalConfig).toEqual(["done"]);
    const strip = (data: unknown) => ({ ...(data as Record<string, unknown>), ref: undefined });
    expect(rowsOf(replayed.rows, "llm/compacted").map((row) => strip(row.data))).toEqual(rowsOf(rows, "llm/compacted").map((row) => strip(row.data)));
    expect(processed(replayed.rows).map((event) => event.event)).toEqual(processed(rows).map((event) => event.event));
  });
});

describe("a replay whose summary request is not in the cassette", () => {
  it("ends the run with cassette-miss, as a turn's own miss does", async () => {
    const asked: ModelRequest[] = [];
    const { result } = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4 }), model: reader(12, asked) });
    const replay = new CassetteModel(await loadCassette(result.sessionDir), { mode: "strict" });
    const replayed = await runScripted({ chart: readingChart({ at: 0.6, keepLast: 4, prompt: "Summarise, differently." }), model: replay });
    expect(replayed.result.status).toBe("error");
    expect(replayed.result.error?.category).toBe("cassette-miss");
    expect(replayed.result.error?.message).toMatch(
      /^conversation "reader" compaction before turn \d+: call #\d+ \(state read, turn \d+\) is not in the cassette/,
    );
  });
});

describe("a bad compaction setting", () => {
  it.each([
    [{ at: 1.5, keepLast: 8 }, "compaction.at must be a number in (0, 1], got 1.5"],
    [{ at: 0.8, keepLast: 0 }, "compaction.keepLast must be a positive integer, got 0"],
  ])("%j ends the run before any call, naming the conversation and its state", async (compaction, problem) => {
    const { result } = await runScripted({ chart: readingChart(compaction), script: [] });
    expect(result.status).toBe("error");
    expect(result.error).toEqual({ category: "invalid-compaction", message: `conversation "reader" in state read: ${problem}` });
  });
});

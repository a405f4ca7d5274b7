/**
 * The browser renderer's pure parts, frame by frame: a repeated frame changes nothing, a gap is
 * noticed, a snapshot or a rewind replaces what the stream built, blobs are joined before they are
 * decoded, and markdown from a blob cannot put HTML into the page.
 */
import { describe, expect, it } from "vitest";
import type { OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, blobDocument, initialViewState, promptAnswer, type ViewState } from "../../web/src/domain/index.js";
import { BlobReader } from "../../web/src/transport/blob-reader.js";
import { pageAddress } from "../../web/src/transport/page-address.js";
import { markdownHtml } from "../../web/src/ui/markdown.js";
import { DRAW_ALL_UP_TO, logWindow } from "../../web/src/ui/log-window.js";

const hello = (runId = "run-1"): OutboundFrame => ({
  v: 1,
  kind: "hello",
  seq: 0,
  protocol: { name: "escapement-wire", version: "1.1.0" },
  capabilities: ["resume", "answer"],
  sessionId: "s",
  runId,
  chartId: "c",
  replay: false,
  heartbeatMs: 0,
  maxInboundBytes: 1_048_576,
});

const event = (seq: number, rowSeq: number, name: string, data: Record<string, unknown> = {}): OutboundFrame => ({
  v: 1,
  kind: "event",
  seq,
  row: { seq: rowSeq, ts: 1000 + rowSeq, event: name, data },
});

const run = (frames: OutboundFrame[], from: ViewState = initialViewState()): ViewState => frames.reduce(applyFrame, from);

describe("applyFrame", () => {
  it("applies each stream frame once: a resume that overlaps adds nothing", () => {
    const frames = [hello(), event(1, 1, "runner/started"), event(2, 2, "runner/notice", { code: "x", message: "hi" })];
    const once = run(frames);
    const twice = run(frames, once);
    expect(twice.log.map((row) => row.seq)).toEqual([1, 2]);
    expect(twice.seq).toBe(2);
  });

  it("notices a gap instead of applying the frame", () => {
    const state = run([hello(), event(1, 1, "runner/started"), event(3, 3, "runner/notice")]);
    expect(state.gap).toEqual({ expected: 2, got: 3 });
    expect(state.log.map((row) => row.seq)).toEqual([1]);
    expect(state.seq).toBe(1);
  });

  it("streams deltas into their conversation, and starts a turn's text anew at each request", () => {
    const state = run([
      hello(),
      event(1, 1, "llm/conversation-started", { invokeId: "w", stateId: "s.w", model: "m" }),
      event(2, 2, "llm/request", { invokeId: "w", turn: 1, ref: "io.jsonl#offset=0&length=2", snippet: "" }),
      event(3, 3, "llm/delta", { invokeId: "w", turn: 1, kind: "text", text: "Hel" }),
      event(4, 4, "llm/delta", { invokeId: "w", turn: 1, kind: "text", text: "lo" }),
    ]);
    expect(state.conversations.get("w")).toMatchObject({ turn: 1, text: "Hello" });
    // The deltas stream in the conversation, not in the log.
    expect(state.log.map((row) => row.event)).toEqual(["llm/conversation-started", "llm/request"]);
    expect(state.log[1]!.blobs).toEqual([{ label: "request", ref: "io.jsonl#offset=0&length=2" }]);
    const next = run([event(5, 5, "llm/request", { invokeId: "w", turn: 2, ref: "r", snippet: "" })], state);
    expect(next.conversations.get("w")).toMatchObject({ turn: 2, text: "" });
  });

  it("replaces the run's state with a snapshot and goes on after it", () => {
    const state = run([
      hello(),
      event(1, 1, "runner/started"),
      {
        v: 1,
        kind: "snapshot",
        seq: 40,
        rowSeq: 30,
        phase: { config: ["a", "a.b"], breadcrumb: ["b"] },
        prompts: [{ promptId: "p", invokeId: "q", kind: "confirm", message: "Go?", schema: { type: "boolean" } }],
        debug: { paused: true, mode: "run", stepBudget: 0 },
        conversations: [{ invokeId: "w", stateId: "a.b", model: "m", turn: 3, streamed: { text: "so far", thinking: "" } }],
      },
      event(41, 31, "runner/notice", { code: "x", message: "after" }),
    ]);
    expect(state.seq).toBe(41);
    expect(state.phase?.breadcrumb).toEqual(["b"]);
    expect(state.prompts.map((p) => p.promptId)).toEqual(["p"]);
    expect(state.debug.paused).toBe(true);
    expect(state.conversations.get("w")).toMatchObject({ turn: 3, text: "so far" });
    expect(state.log.map((row) => row.seq)).toEqual([1, 31]);
  });

  it("starts over on a rewind and on a hello of another run", () => {
    const state = run([hello(), event(1, 1, "runner/started")]);
    const rewound = applyFrame(state, { v: 1, kind: "rewind", seq: 0 });
    expect(rewound.log).toEqual([]);
    expect(rewound.seq).toBe(0);
    expect(rewound.run?.runId).toBe("run-1");
    const other = applyFrame(state, hello("run-2"));
    expect(other.log).toEqual([]);
    expect(other.run?.runId).toBe("run-2");
  });

  it("moves a progress prompt's bar with its progress rows, and closes prompts at the end", () => {
    const state = run([
      hello(),
      {
        v: 1,
        kind: "prompt",
        seq: 1,
        rowSeq: 1,
        prompt: { promptId: "p", invokeId: "q", kind: "progress", message: "Working", schema: {}, progress: { value: 0, total: 4 } },
      },
      event(2, 2, "human-input/progress", { promptId: "p", value: 3, total: 4 }),
    ]);
    expect(state.prompts[0]!.progress).toEqual({ value: 3, total: 4 });
    const done = applyFrame(state, { v: 1, kind: "run-finished", seq: 3, rowSeq: 3, status: "done", finalConfig: ["end"] });
    expect(done.prompts).toEqual([]);
    expect(done.finished?.status).toBe("done");
  });
});

describe("promptAnswer", () => {
  const prompt = { promptId: "p", invokeId: "q", message: "?", schema: {} };
  it("makes the value each kind of prompt takes", () => {
    const options = [
      { value: "a", label: "A" },
      { value: "b", label: "B" },
    ];
    expect(promptAnswer({ ...prompt, kind: "text" }, { kind: "text", text: "Ada" })).toEqual({ ok: true, value: "Ada" });
    expect(promptAnswer({ ...prompt, kind: "text", schema: { type: "integer" } }, { kind: "text", text: "12" })).toEqual({ ok: true, value: 12 });
    expect(promptAnswer({ ...prompt, kind: "text", schema: { type: "number" } }, { kind: "text", text: "x" })).toEqual({
      ok: false,
      message: "enter a number",
    });
    expect(promptAnswer({ ...prompt, kind: "select", options }, { kind: "select", index: 1 })).toEqual({ ok: true, value: "b" });
    expect(promptAnswer({ ...prompt, kind: "multi-select", options }, { kind: "multi-select", indexes: [1, 0] })).toEqual({ ok: true, value: ["a", "b"] });
    expect(promptAnswer({ ...prompt, kind: "confirm" }, { kind: "confirm", yes: false })).toEqual({ ok: true, value: false });
  });
});

describe("blobs", () => {
  it("joins a blob's chunks before decoding, so a character split between chunks survives", async () => {
    const sent: Record<string, unknown>[] = [];
    const reader = new BlobReader({ send: (frame) => (sent.push(frame), true), nextId: () => "b-1" });
    const reading = reader.read("artifacts/notes.md");
    expect(sent).toEqual([{ kind: "read-blob", id: "b-1", ref: "artifacts/notes.md" }]);
    const bytes = Buffer.from("naïve", "utf8");
    const chunk = (from: number, to: number, last: boolean) =>
      reader.take({
        v: 1,
        kind: "blob",
        seq: 0,
        inReplyTo: "b-1",
        ref: "artifacts/notes.md",
        offset: from,
        total: bytes.length,
        data: bytes.subarray(from, to).toString("base64"),
        last,
      });
    expect(chunk(0, 3, false)).toBe(true);
    expect(chunk(3, bytes.length, true)).toBe(true);
    expect(await reading).toBe("naïve");
  });

  it("rejects a read the core refuses, with its code", async () => {
    const reader = new BlobReader({ send: () => true, nextId: () => "b-2" });
    const reading = reader.read("../secret");
    reader.take({
      v: 1,
      kind: "error",
      seq: 0,
      code: "unknown-blob",
      path: "/ref",
      message: "/ref: not a blob of this session",
      fatal: false,
      inReplyTo: "b-2",
    });
    await expect(reading).rejects.toThrow("unknown-blob: /ref: not a blob of this session");
  });

  it("renders a model response as markdown, with raw HTML shown as text and unsafe links dropped", () => {
    const response = JSON.stringify({
      content: [{ type: "text", text: "## Hi\n\n<script>x()</script>\n\n[a](javascript:x()) [b](https://example.com)" }],
      stopReason: "end_turn",
    });
    const html = markdownHtml(blobDocument(response, "io.jsonl#offset=0&length=9", "llm/response #4 · response"));
    expect(html).toContain("<h1>llm/response #4 · response</h1>");
    expect(html).toContain("<h2>Hi</h2>");
    expect(html).toContain("&lt;script&gt;x()&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("javascript:");
    expect(html).toContain('<a href="https://example.com"');
  });
});

describe("pageAddress", () => {
  it("takes the token from the fragment and connects back to the page's own host", () => {
    expect(pageAddress({ protocol: "http:", host: "127.0.0.1:9000", hash: "#token=abc-123" })).toEqual({ wsUrl: "ws://127.0.0.1:9000/", token: "abc-123" });
    expect(pageAddress({ protocol: "https:", host: "example.com", hash: "" })).toEqual({ wsUrl: "wss://example.com/", token: undefined });
  });
});

describe("the log's drawn window", () => {
  const view = { scrollTop: 0, heightPx: 600, rowPx: 20, following: false };

  it("draws every row of a short log", () => {
    expect(logWindow({ ...view, count: DRAW_ALL_UP_TO })).toEqual({ start: 0, end: DRAW_ALL_UP_TO });
  });

  it("following a long log, the window covers its end", () => {
    const window = logWindow({ ...view, count: 5_000, following: true });
    expect(window.end).toBe(5_000);
    expect(window.start).toBeLessThanOrEqual(5_000 - 30);
    expect(window.end - window.start).toBeLessThan(500);
  });

  it("scrolled back, the window covers the rows in view, and not the end", () => {
    const window = logWindow({ ...view, count: 5_000, scrollTop: 2_000 * 20 });
    expect(window.start).toBeLessThanOrEqual(2_000);
    expect(window.end).toBeGreaterThanOrEqual(2_030);
    expect(window.end).toBeLessThan(5_000);
  });
});

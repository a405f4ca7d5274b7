/**
 * A realistic short session as transcript rows, and the wire frames a replay of it produces.
 * Source of scripts/sample.wire.jsonl (npm run sample -w @escapement/wire-schema).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFrame, replayFrames, snippet, type TranscriptRow } from "../src/index.js";

export const samplePath = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "sample.wire.jsonl");

const T0 = 1_760_000_000_000;
const DRAFT = "## Highlights\n- Resume picks up exactly where a crash left off.\n- `escapement open` replays any saved session.\n";

/** A row with its time as a delay after the previous one. */
type RowInput = { dt: number; event: string; data: unknown };

const deltas = (invokeId: string, turn: number, text: string, pieces: number): RowInput[] => {
  const size = Math.ceil(text.length / pieces);
  return Array.from({ length: pieces }, (_, i) => ({
    dt: 35,
    event: "llm/delta",
    data: { invokeId, turn, kind: "text", text: text.slice(i * size, (i + 1) * size) },
  }));
};

const script: RowInput[] = [
  { dt: 0, event: "runner/started", data: { sessionId: "2025-10-09-release-notes-7f3a", runId: "run-1", chartId: "release-notes", resumed: false } },
  { dt: 2, event: "runner/start-config", data: { config: ["draft"], context: { version: "2.3.0" } } },
  {
    dt: 1,
    event: "llm/conversation-started",
    data: {
      invokeId: "draft-1",
      stateId: "draft",
      model: "smart",
      system: snippet("You write release notes from merged pull requests. Be brief."),
    },
  },
  {
    dt: 1,
    event: "llm/request",
    data: {
      invokeId: "draft-1",
      stateId: "draft",
      turn: 1,
      model: "smart",
      messageCount: 1,
      tools: ["read_file", "DRAFT_DONE"],
      ref: "io/draft-1/1.request.json",
      snippet: snippet("Write the release notes for 2.3.0."),
    },
  },
  {
    dt: 420,
    event: "llm/tool-call",
    data: {
      invokeId: "draft-1",
      turn: 1,
      toolCallId: "call-1",
      name: "read_file",
      toolKind: "real",
      ref: "io/draft-1/1.call-1.json",
      snippet: snippet('{"path":"CHANGELOG.md"}'),
    },
  },
  {
    dt: 40,
    event: "llm/response",
    data: {
      invokeId: "draft-1",
      stateId: "draft",
      turn: 1,
      target: "anthropic:claude-sonnet-4-5",
      stopReason: "tool_use",
      usage: { input: 812, output: 38, cacheRead: 0, cacheWrite: 812 },
      elapsedMs: 460,
      ttftMs: 410,
      tokensPerSec: 82.6,
      costUsd: 0.0031,
      contextUsed: 0.004,
      ref: "io/draft-1/1.response.json",
      snippet: snippet("read_file CHANGELOG.md"),
    },
  },
  {
    dt: 6,
    event: "llm/tool-result",
    data: {
      invokeId: "draft-1",
      turn: 1,
      toolCallId: "call-1",
      name: "read_file",
      isError: false,
      ref: "io/draft-1/1.call-1.result.txt",
      snippet: snippet("# Changelog\n\n## 2.3.0\n- resume after crash\n- open command"),
      meta: { bytes: 1834 },
    },
  },
  {
    dt: 1,
    event: "llm/request",
    data: {
      invokeId: "draft-1",
      stateId: "draft",
      turn: 2,
      model: "smart",
      messageCount: 3,
      tools: ["read_file", "DRAFT_DONE"],
      ref: "io/draft-1/2.request.json",
      snippet: snippet("[tool result] # Changelog ## 2.3.0"),
    },
  },
  ...deltas("draft-1", 2, DRAFT, 8),
  {
    dt: 30,
    event: "llm/tool-call",
    data: {
      invokeId: "draft-1",
      turn: 2,
      toolCallId: "call-2",
      name: "DRAFT_DONE",
      toolKind: "event",
      ref: "io/draft-1/2.call-2.json",
      snippet: snippet('{"words":19}'),
    },
  },
  {
    dt: 2,
    event: "llm/response",
    data: {
      invokeId: "draft-1",
      stateId: "draft",
      turn: 2,
      target: "anthropic:claude-sonnet-4-5",
      stopReason: "tool_use",
      usage: { input: 1650, output: 96, cacheRead: 812, cacheWrite: 0 },
      elapsedMs: 1210,
      ttftMs: 380,
      tokensPerSec: 114.3,
      costUsd: 0.0042,
      contextUsed: 0.009,
      ref: "io/draft-1/2.response.json",
      snippet: snippet(DRAFT),
    },
  },
  {
    dt: 1,
    event: "runner/event-processed",
    data: {
      event: "DRAFT_DONE",
      eventData: { words: 19 },
      before: ["draft"],
      after: ["approve"],
      entered: ["approve"],
      exited: ["draft"],
    },
  },
  { dt: 1, event: "llm/conversation-ended", data: { invokeId: "draft-1", stateId: "draft", reason: "exit" } },
  { dt: 1, event: "checkpoint/written", data: { seq: 20, kind: "journal", ref: "checkpoints/journal.jsonl" } },
  { dt: 1, event: "debug/paused", data: { reason: "pause requested" } },
  { dt: 900, event: "debug/step", data: { n: 1 } },
  {
    dt: 1,
    event: "human-input/requested",
    data: {
      promptId: "p-1",
      invokeId: "approve-1",
      kind: "select",
      message: "Publish these release notes?",
      options: [
        { value: "publish", label: "Publish" },
        { value: "revise", label: "Send back" },
      ],
      default: "publish",
      schema: { type: "string", enum: ["publish", "revise"] },
    },
  },
  { dt: 2400, event: "human-input/answered", data: { promptId: "p-1", value: "publish" } },
  {
    dt: 1,
    event: "runner/event-processed",
    data: {
      event: "PUBLISH",
      eventData: {},
      before: ["approve"],
      after: ["published"],
      entered: ["published"],
      exited: ["approve"],
    },
  },
  { dt: 300, event: "debug/mode", data: { mode: "run" } },
  { dt: 1, event: "debug/resumed", data: {} },
  { dt: 1, event: "artifact/captured", data: { name: "release-notes", ref: "artifacts/release-notes", bytes: DRAFT.length, snippet: snippet(DRAFT) } },
  { dt: 1, event: "runner/done", data: { finalConfig: ["published"], status: "done" } },
];

export const sampleRows = (): TranscriptRow[] => {
  let ts = T0;
  return script.map(({ dt, ...row }, index) => {
    ts += dt;
    return { seq: index + 1, ts, ...row };
  });
};

/** The JSONL text of the sample replay: one frame per line. */
export const sampleWireJsonl = (): string => {
  let text = "";
  for (const frame of replayFrames(sampleRows())) text += `${encodeFrame(frame)}\n`;
  return text;
};

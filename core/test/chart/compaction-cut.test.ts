/** Where a compaction cuts the history, and what it leaves: the task, the summary, a whole tail. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compactedHistory, compactionCut, summaryHeading, summaryRequestMessages } from "../../src/chart/compaction-cut.js";
import { gaugeAt, contextTokens } from "../../src/chart/compaction-gauge.js";
import { compactionProblems, defaultCompaction, resolveCompaction } from "../../src/chart/compaction.js";
import type { ModelMessage } from "../../src/llm/protocol.js";

const user = (text: string): ModelMessage => ({ role: "user", content: [{ type: "text", text }] });
const said = (text: string): ModelMessage => ({ role: "assistant", content: [{ type: "text", text }] });
const calls = (id: string): ModelMessage => ({ role: "assistant", content: [{ type: "tool-call", id, name: "read", input: { id } }] });
const results = (id: string): ModelMessage => ({ role: "user", content: [{ type: "tool-result", toolCallId: id, name: "read", output: `out ${id}` }] });

/** A task, then `steps` tool steps (call, result), then a final reply. */
const history = (steps: number): ModelMessage[] => [
  user("the task"),
  ...Array.from({ length: steps }, (_, i) => [calls(`c${i + 1}`), results(`c${i + 1}`)]).flat(),
  said("done"),
];

/** Every tool result in `messages` comes right after the assistant message that made its call. */
const toolPairsWhole = (messages: readonly ModelMessage[]): boolean =>
  messages.every((message, index) =>
    message.content.every((block) => {
      if (block.type !== "tool-result") return true;
      const before = messages[index - 1];
      return before?.role === "assistant" && before.content.some((b) => b.type === "tool-call" && b.id === block.toolCallId);
    }),
  );

const alternates = (messages: readonly ModelMessage[]): boolean =>
  messages.every((message, index) => message.role === (index % 2 === 0 ? "user" : "assistant"));

describe("compactionCut", () => {
  it("keeps at least keepLast messages and starts the kept part at a reply of the model", () => {
    const messages = history(6); // 14 messages
    for (let keepLast = 1; keepLast <= 11; keepLast++) {
      const cut = compactionCut(messages, keepLast);
      expect(cut.ok, `keepLast ${keepLast}`).toBe(true);
      if (!cut.ok) continue;
      expect(messages.length - cut.start).toBeGreaterThanOrEqual(keepLast);
      expect(messages[cut.start]!.role).toBe("assistant");
      const after = compactedHistory(messages, cut, "what happened");
      expect(toolPairsWhole(after)).toBe(true);
      expect(alternates(after)).toBe(true);
      expect(after.slice(1)).toEqual(messages.slice(cut.start));
    }
  });

  it("never starts the kept part with tool results whose call is cut: it takes the call too", () => {
    const messages = history(4); // ..., calls c4, results c4, said done
    const cut = compactionCut(messages, 2); // would start at results c4
    expect(cut).toMatchObject({ ok: true, start: messages.length - 3 });
    expect(messages[messages.length - 3]).toEqual(calls("c4"));
  });

  it("keeps the task as the first message, with the summary beside it", () => {
    const messages = history(5);
    const cut = compactionCut(messages, 4);
    if (!cut.ok) throw new Error(cut.reason);
    const after = compactedHistory(messages, cut, "  read c1..c3  ");
    expect(after[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "the task" },
        { type: "text", text: `${summaryHeading}read c1..c3` },
      ],
    });
  });

  it("replaces an earlier summary instead of keeping it", () => {
    const messages = history(5);
    const first = compactionCut(messages, 4);
    if (!first.ok) throw new Error(first.reason);
    const once = [...compactedHistory(messages, first, "first summary"), calls("c9"), results("c9"), said("more")];
    const second = compactionCut(once, 2);
    if (!second.ok) throw new Error(second.reason);
    // The summary call reads the earlier summary...
    expect(JSON.stringify(summaryRequestMessages(once, second.start, "summarise"))).toContain("first summary");
    // ...and the history keeps only the new one.
    const twice = compactedHistory(once, second, "second summary");
    expect(twice[0]!.content).toEqual([
      { type: "text", text: "the task" },
      { type: "text", text: `${summaryHeading}second summary` },
    ]);
  });

  it("summarises from the start when the first message is not a task", () => {
    const messages = [results("c0"), ...history(3).slice(1)];
    const cut = compactionCut(messages, 2);
    if (!cut.ok) throw new Error(cut.reason);
    expect(cut.task).toBeUndefined();
    const after = compactedHistory(messages, cut, "s");
    expect(after[0]).toEqual({ role: "user", content: [{ type: "text", text: `${summaryHeading}s` }] });
    expect(alternates(after)).toBe(true);
  });

  it("says why when nothing can be summarised", () => {
    expect(compactionCut(history(2), 8)).toEqual({ ok: false, reason: "keepLast 8 keeps the whole history (6 messages)" });
    // Only the task lies before the kept part.
    expect(compactionCut([user("task"), said("a"), user("b"), said("c")], 3)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("nothing before the last 3"),
    });
  });

  it("asks for the summary after the part it replaces, as the user's (beside tool results)", () => {
    const messages = history(3);
    const cut = compactionCut(messages, 2);
    if (!cut.ok) throw new Error(cut.reason);
    const request = summaryRequestMessages(messages, cut.start, "summarise");
    expect(request.slice(0, -1)).toEqual(messages.slice(0, cut.start - 1));
    expect(request[request.length - 1]).toEqual({ role: "user", content: [...messages[cut.start - 1]!.content, { type: "text", text: "summarise" }] });
    expect(toolPairsWhole(request)).toBe(true);
  });
});

describe("the context gauge", () => {
  it("adds what the history gained since the last response to that response's tokens, and knows the window from contextUsed", () => {
    const messages = [...history(1), user("x".repeat(400))];
    const gauge = gaugeAt([{ kind: "response", turn: 1, tokens: 500, contextUsed: 0.25 }], 1);
    expect(gauge.window).toBe(2000);
    expect(contextTokens(gauge, messages)).toBe(600);
  });

  it("measures nothing before a response, and counts a compaction's estimate until the next response", () => {
    expect(contextTokens(gaugeAt([], 0), history(1))).toBeUndefined();
    const rows = [
      { kind: "response", turn: 1, tokens: 900, contextUsed: 0.9 },
      { kind: "compacted", turn: 2, tokens: 300, messages: 3 },
    ] as const;
    const gauge = gaugeAt(rows, 1);
    expect(gauge).toEqual({ tokens: 300, covered: 3, window: 1000, triedFor: 2 });
    // A response of a step not committed yet (on disk for a resume) does not count.
    expect(gaugeAt([...rows, { kind: "response", turn: 2, tokens: 400 }], 1).tokens).toBe(300);
    expect(gaugeAt([...rows, { kind: "response", turn: 2, tokens: 400 }], 2)).toEqual({ tokens: 400, window: 1000 });
  });
});

describe("the compaction setting", () => {
  it("fills what is left out from the default, and names what is wrong", () => {
    expect(resolveCompaction(undefined)).toEqual({ at: 0.8, keepLast: 8 });
    expect(resolveCompaction({ at: 0.5 })).toEqual({ at: 0.5, keepLast: 8 });
    expect(resolveCompaction(false)).toBe(false);
    expect(compactionProblems({ at: 0, keepLast: 8 })).toEqual(["compaction.at must be a number in (0, 1], got 0"]);
    expect(compactionProblems({ at: 1, keepLast: 2.5 })).toEqual(["compaction.keepLast must be a positive integer, got 2.5"]);
    expect(compactionProblems(true)).toEqual(["compaction must be { at, keepLast, alias?, prompt? } or false, got true"]);
    expect(compactionProblems({ at: 1, keepLast: 1 })).toEqual([]);
  });

  it("is documented in the guide with the default the code has", () => {
    const guide = readFileSync(resolve(import.meta.dirname, "../../../docs/guide.md"), "utf8");
    const section = guide.slice(guide.indexOf("## Compaction"), guide.indexOf("## Human input"));
    expect(section).toContain(`{ at: ${defaultCompaction.at}, keepLast: ${defaultCompaction.keepLast} }`);
    expect(section).toContain("`invalid-compaction`");
  });
});

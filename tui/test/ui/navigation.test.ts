import { describe, expect, test } from "bun:test";
import type { Prompt } from "@escapement/wire-schema";
import { emptyLog, logPush } from "../../src/domain/bounded-log.ts";
import type { Lane, LogRow } from "../../src/domain/index.ts";
import { logNav } from "../../src/ui/log-nav.ts";
import { formIntent, newForm } from "../../src/ui/prompt-form.ts";
import { logRowTarget, pagerDoc, switchTurn, switchView, turnTarget } from "../../src/ui/pager-target.ts";
import { createBlobReader } from "../../src/transport/index.ts";
import { CONFIRM_INTERRUPT_MS, confirmPrompt, confirmStep } from "../../src/ui/confirm-keys.ts";
import { connectionLabel } from "../../src/ui/connection-indicator.tsx";
import { filterPrompt, filterStep } from "../../src/ui/filter-input.ts";
import { intentOf, type KeyLike } from "../../src/ui/key-map.ts";
import { logPlace, logTitleOf } from "../../src/ui/log-title.ts";
import { detailMarkdown, detailTarget, withDetails } from "../../src/ui/row-detail.ts";
import { liveWall } from "../../src/ui/run-clock.ts";
import { runErrorText, wrappedRows } from "../../src/ui/run-error.ts";
import { data, sampleFrames, scriptedRun } from "../support/frames.ts";
import { stateOf } from "../support/render.tsx";

const rows = (n: number) => {
  let log = emptyLog<LogRow>(1000);
  for (let i = 0; i < n; i++) log = logPush(log, { seq: i + 1, ts: i, lane: (i % 2 ? "llm" : "chart") as Lane, event: "x", text: `r${i}` });
  return log;
};

describe("LOG navigation", () => {
  const log = rows(50);

  test("the first move puts the cursor on the newest row and pins the view", () => {
    expect(logNav(log, {}, { kind: "move", by: -1 }, 10)).toEqual({ cursor: 49, bottom: 49 });
  });

  test("moving up past the top of the view scrolls it by one", () => {
    let view = logNav(log, {}, { kind: "move", by: -1 }, 10);
    for (let i = 0; i < 10; i++) view = logNav(log, view, { kind: "move", by: -1 }, 10);
    expect(view).toEqual({ cursor: 39, bottom: 48 });
  });

  test("a page moves cursor and view together; the first row stops it", () => {
    let view = logNav(log, { cursor: 49, bottom: 49 }, { kind: "page", by: -1 }, 10);
    expect(view).toEqual({ cursor: 40, bottom: 40 });
    for (let i = 0; i < 10; i++) view = logNav(log, view, { kind: "page", by: -1 }, 10);
    expect(view).toEqual({ cursor: 0, bottom: 9 });
  });

  test("Home goes to the oldest row; End follows again", () => {
    expect(logNav(log, {}, { kind: "edge", to: "first" }, 10)).toEqual({ cursor: 0, bottom: 9 });
    expect(logNav(log, { cursor: 3, bottom: 9 }, { kind: "edge", to: "last" }, 10)).toEqual({});
  });

  test("with a lane filter, steps skip other lanes", () => {
    const llm = new Set<Lane>(["llm"]);
    const view = logNav(log, {}, { kind: "move", by: -1 }, 10, llm);
    expect(view.cursor).toBe(49);
    expect(logNav(log, view, { kind: "move", by: -1 }, 10, llm).cursor).toBe(47);
  });

  test("an empty log has nothing to move to", () => {
    expect(logNav(emptyLog<LogRow>(10), {}, { kind: "move", by: -1 }, 10)).toEqual({});
  });
});

describe("prompt form", () => {
  const prompt = (extra: Partial<Prompt>): Prompt => ({ promptId: "p-1", invokeId: "a", kind: "select", message: "?", schema: {}, ...extra });
  const options = [
    { value: 1, label: "one" },
    { value: 2, label: "two" },
  ];

  test("moves stay within the options; submit answers the option under the cursor", () => {
    const p = prompt({ options });
    let form = newForm(p);
    form = formIntent(p, form, { kind: "move", by: 1 }).form;
    form = formIntent(p, form, { kind: "move", by: 1 }).form;
    expect(form.index).toBe(1);
    expect(formIntent(p, form, { kind: "submit" }).outcome).toEqual({ send: "answer", value: 2 });
  });

  test("a refused check keeps the form open with the problem; the next key clears it", () => {
    const p = prompt({ kind: "multi-select", options, schema: { type: "array", minItems: 1 } });
    const refused = formIntent(p, newForm(p), { kind: "submit" });
    expect(refused.outcome).toEqual({ send: "none" });
    expect(refused.form.problem).toBe("choose at least one");
    const toggled = formIntent(p, refused.form, { kind: "toggle" });
    expect(toggled.form.problem).toBeUndefined();
    expect(formIntent(p, toggled.form, { kind: "submit" }).outcome).toEqual({ send: "answer", value: [1] });
  });

  test("confirm without a default needs y or n; cancel is always there", () => {
    const p = prompt({ kind: "confirm" });
    expect(formIntent(p, newForm(p), { kind: "submit" }).form.problem).toBe("press y or n");
    expect(formIntent(p, newForm(p), { kind: "confirm", value: false }).outcome).toEqual({ send: "answer", value: false });
    expect(formIntent(p, newForm(p), { kind: "cancel" }).outcome).toEqual({ send: "cancel" });
  });
});

describe("pager targets", () => {
  const state = stateOf(sampleFrames());
  const draft = state.conversations.get("draft-1")!;

  test("a conversation opens on its latest turn's response; Tab flips to the request", () => {
    const target = turnTarget(draft)!;
    expect(target).toEqual({ kind: "turn", invokeId: "draft-1", turn: 2, view: "response" });
    expect(pagerDoc(target, state)).toEqual({
      title: "draft-1 · turn 2 · response",
      ref: "io/draft-1/2.response.json",
      blobKind: "response",
      position: "turn 2 of 2 · response (Tab: request)",
    });
    expect(pagerDoc(switchView(target), state).ref).toBe("io/draft-1/2.request.json");
  });

  test("turns step and stop at the ends", () => {
    const target = turnTarget(draft)!;
    expect(switchTurn(target, state, -1)).toMatchObject({ turn: 1 });
    expect(switchTurn(switchTurn(target, state, -1), state, -1)).toMatchObject({ turn: 1 });
    expect(switchTurn(target, state, 1)).toBe(target);
  });

  test("a turn still answering has no response yet, and says so", () => {
    const run = scriptedRun();
    const live = stateOf([run.hello(), ...run.row("llm/conversation-started", data.started("w")), ...run.row("llm/request", data.request("w", 1))]);
    const target = turnTarget(live.conversations.get("w")!)!;
    expect(target.kind === "turn" && target.view).toBe("request");
    expect(pagerDoc(switchView(target), live).empty).toBe("Turn 1 has no response yet: the model is still answering.");
  });

  test("LOG rows: a response row opens its turn; a tool row its blob; a row without a ref nothing", () => {
    const row = (event: string, ref?: string) => ({ seq: 1, ts: 0, lane: "llm" as Lane, event, text: "", invokeId: "draft-1", ...(ref ? { ref } : {}) });
    expect(logRowTarget(row("llm/response", "io/draft-1/1.response.json"), state)).toEqual({ kind: "turn", invokeId: "draft-1", turn: 1, view: "response" });
    expect(logRowTarget(row("llm/tool-call", "io/draft-1/1.call-1.json"), state)).toEqual({
      kind: "blob",
      ref: "io/draft-1/1.call-1.json",
      title: "llm/tool-call · draft-1 · io/draft-1/1.call-1.json",
      blobKind: "tool",
    });
    expect(logRowTarget(row("llm/delta"), state)).toBeUndefined();
  });
});

describe("keys that ask first", () => {
  const esc = { asks: "interrupt" as const, yes: false };
  const q = { asks: "quit" as const, yes: false };
  const y = { yes: true };
  const other = { yes: false };

  test("Esc asks; a second Esc within the second interrupts, a later one asks again", () => {
    const first = confirmStep(undefined, esc, 1_000, true);
    expect(first).toEqual({ kind: "ask", pending: { action: "interrupt", at: 1_000 } });
    const pending = first.kind === "ask" ? first.pending : undefined;
    expect(confirmStep(pending, esc, 1_000 + CONFIRM_INTERRUPT_MS - 1, true)).toEqual({ kind: "do", action: "interrupt" });
    expect(confirmStep(pending, esc, 1_000 + CONFIRM_INTERRUPT_MS, true)).toEqual({ kind: "ask", pending: { action: "interrupt", at: 2_000 } });
    // Other keys go on doing what they do; `y` does not confirm an interrupt.
    expect(confirmStep(pending, other, 1_100, true)).toEqual({ kind: "pass" });
    expect(confirmStep(pending, y, 1_100, true)).toEqual({ kind: "pass" });
  });

  test("q asks while the run is live; q or y quits, any other key stays and does nothing else", () => {
    const first = confirmStep(undefined, q, 0, true);
    const pending = first.kind === "ask" ? first.pending : undefined;
    expect(pending).toEqual({ action: "quit", at: 0 });
    expect(confirmStep(pending, q, 60_000, true)).toEqual({ kind: "do", action: "quit" });
    expect(confirmStep(pending, y, 60_000, true)).toEqual({ kind: "do", action: "quit" });
    expect(confirmStep(pending, other, 1, true)).toEqual({ kind: "dropped" });
    expect(confirmStep(pending, esc, 1, true)).toEqual({ kind: "dropped" });
  });

  test("Esc Esc read at once (a fast double press) is asked and confirmed in one", () => {
    expect(confirmStep(undefined, { ...esc, twice: true }, 0, true)).toEqual({ kind: "do", action: "interrupt" });
  });

  test("what need not be asked is done at once (quitting a finished run or a replay)", () => {
    expect(confirmStep(undefined, q, 0, false)).toEqual({ kind: "do", action: "quit" });
    expect(confirmStep(undefined, other, 0, true)).toEqual({ kind: "pass" });
  });

  test("the footer says what the next key does", () => {
    expect(confirmPrompt({ action: "interrupt", at: 0 })).toBe("Esc again to interrupt the model calls in flight");
    expect(confirmPrompt({ action: "quit", at: 0 })).toContain("q or y to quit, any other key to stay");
  });

  test("the key map: q asks to quit on the panels (and closes the pager), / filters, Esc asks for the interrupt", () => {
    const key = (name: string, sequence = name, mods: Partial<KeyLike> = {}): KeyLike => ({ name, sequence, ctrl: false, shift: false, ...mods });
    expect(intentOf("main", key("q"))).toEqual({ kind: "ask-quit" });
    expect(intentOf("pager", key("q"))).toEqual({ kind: "close" });
    expect(intentOf("main", key("/"))).toEqual({ kind: "filter" });
    expect(intentOf("main", key("escape", "\u001b"))).toEqual({ kind: "control", action: "interrupt" });
    expect(intentOf("main", key("c", "\u0003", { ctrl: true }))).toEqual({ kind: "quit" });
    // Esc twice in one read: still Esc (in the pager, one close); Alt with another key is nothing.
    expect(intentOf("pager", key("escape", "\u001b\u001b", { meta: true }))).toEqual({ kind: "close" });
    expect(intentOf("main", key("q", "\u001bq", { meta: true }))).toBeUndefined();
  });
});

describe("typing the LOG filter", () => {
  const key = (name: string, sequence = name, mods: Partial<KeyLike> = {}): KeyLike => ({ name, sequence, ctrl: false, shift: false, ...mods });

  test("characters add, Backspace takes back, Ctrl-U empties; Enter applies, Esc clears", () => {
    expect(filterStep("wri", key("t"))).toEqual({ kind: "edit", text: "writ" });
    expect(filterStep("wri", key("T", "T", { shift: true }))).toEqual({ kind: "edit", text: "wriT" });
    expect(filterStep("a", key("space", " "))).toEqual({ kind: "edit", text: "a " });
    expect(filterStep("a", key("/"))).toEqual({ kind: "edit", text: "a/" });
    expect(filterStep("wé", key("backspace", "\u007f"))).toEqual({ kind: "edit", text: "w" });
    expect(filterStep("writer", key("u", "\u0015", { ctrl: true }))).toEqual({ kind: "edit", text: "" });
    expect(filterStep("writer", key("return", "\r"))).toEqual({ kind: "apply", text: "writer" });
    expect(filterStep("", key("return", "\r"))).toEqual({ kind: "clear" });
    expect(filterStep("writer", key("escape", "\u001b"))).toEqual({ kind: "clear" });
  });

  test("keys that type nothing are ignored", () => {
    expect(filterStep("a", key("up", "\u001b[A"))).toEqual({ kind: "ignore" });
    expect(filterStep("a", key("tab", "\t"))).toEqual({ kind: "ignore" });
    expect(filterStep("a", key("x", "x", { meta: true }))).toEqual({ kind: "ignore" });
  });

  test("the footer shows the text being typed", () => {
    expect(filterPrompt("wri")).toBe("/wri▏  Enter apply · Esc clear");
  });
});

describe("the LOG's title", () => {
  const log = rows(50);

  test("rows held while following; the cursor's place among them once it is placed; rows below the view", () => {
    expect(logTitleOf(log, {})).toBe("LOG 50");
    expect(logTitleOf(log, { cursor: 11, bottom: 20 })).toBe("LOG 12/50 ↑29");
    expect(logTitleOf(log, { cursor: 49, bottom: 49 })).toBe("LOG 50/50");
  });

  test("a text filter (/) is named after the lanes, a long one cut to 20 characters", () => {
    const llm = new Set<Lane>(["llm"]);
    expect(logTitleOf(log, { cursor: 11, bottom: 11 }, llm, "caravan")).toBe("LOG 6/25 [llm] /caravan ↑19");
    expect(logTitleOf(log, {}, undefined, "a filter longer than twenty characters")).toBe("LOG 50 /a filter longer tha…");
  });

  test("with a lane filter, only the rows of those lanes count", () => {
    const llm = new Set<Lane>(["llm"]);
    // Rows 1, 3, 5, … are llm rows: the 6th of them is row 11.
    expect(logTitleOf(log, { cursor: 11, bottom: 11 }, llm)).toBe("LOG 6/25 [llm] ↑19");
    expect(logPlace(log, {}, llm)).toEqual({ of: 25, below: 0 });
  });
});

describe("an error row's whole text in the pager", () => {
  const errorRow: LogRow = {
    seq: 41,
    ts: 0,
    lane: "error",
    event: "runner/done",
    text: "run error in x: wedged: …",
    detail: "run error in x\n\nwedged: no *progress* [10]\nsecond line",
  };

  test("a markdown document that shows the text as it is, line breaks kept", () => {
    expect(detailMarkdown("a *b* [c]\nd\n\ne_f")).toBe("a \\*b\\* \\[c\\]  \nd\n\ne\\_f");
  });

  test("Enter opens it under a name of its own, read from the view, not the session", async () => {
    const target = detailTarget(errorRow);
    expect(target).toEqual({ kind: "blob", ref: "transcript row 41 (runner/done)", title: "runner/done", blobKind: "artifact" });
    const reader = withDetails(createBlobReader(undefined));
    reader.show(errorRow);
    expect(await reader.read("transcript row 41 (runner/done)")).toEqual({
      ok: true,
      text: detailMarkdown(errorRow.detail ?? ""),
      bytes: detailMarkdown(errorRow.detail ?? "").length,
      truncated: false,
    });
    expect(await reader.read("io/x.json")).toMatchObject({ ok: false });
    expect(detailTarget({ ...errorRow, detail: undefined } as LogRow)).toBeUndefined();
  });
});

describe("a failed run's error above the footer", () => {
  test("whole, over the rows it wraps to, up to a limit", () => {
    const state = stateOf([
      ...scriptedRun().row("runner/done", { status: "error", finalConfig: ["x"], error: { category: "wedged", message: "no progress for 10 checks" } }),
    ]);
    expect(runErrorText(state)).toBe("✗ run error: wedged: no progress for 10 checks");
    expect(runErrorText(stateOf(sampleFrames()))).toBeUndefined();
    expect(wrappedRows("aaaa bbbb cccc", 9, 5)).toBe(2);
    expect(wrappedRows("aaaa bbbb cccc", 14, 5)).toBe(1);
    expect(wrappedRows("x".repeat(25), 10, 5)).toBe(3);
    expect(wrappedRows("a\nb\nc", 10, 5)).toBe(3);
    expect(wrappedRows("w ".repeat(100), 10, 4)).toBe(4);
  });
});

describe("connection status on screen", () => {
  const now = 1_000_000;

  test("labels: durations count from the last frame, the start of the handshake, down to giving up", () => {
    expect(connectionLabel({ state: "connected" }, now)).toEqual({ text: "● connected", tone: "ok" });
    expect(connectionLabel({ state: "not-responding", lastFrameAt: now - 12_200 }, now)).toEqual({ text: "◌ not responding 12s", tone: "error" });
    expect(connectionLabel({ state: "no-answer", since: now - 5_000 }, now)).toEqual({ text: "◌ no answer 5s", tone: "error" });
    expect(connectionLabel({ state: "reconnecting", attempt: 3, retryInMs: 1_000, reason: "x", giveUpAt: now + 6_400 }, now).text).toBe(
      "◌ reconnecting (3) · gives up in 6s",
    );
    expect(connectionLabel({ state: "reconnecting", attempt: 3, retryInMs: 1_000, reason: "x" }, now).text).toBe("◌ reconnecting (3)");
  });

  test("the run's clock stands still from the moment frames stopped while the core sends none", () => {
    expect(liveWall({ state: "connected" }, now)).toBe(now);
    expect(liveWall({ state: "not-responding", lastFrameAt: now - 12_000, stalledAt: now - 2_000 }, now)).toBe(now - 2_000);
    expect(liveWall({ state: "reconnecting", attempt: 1, retryInMs: 250, reason: "x", stalledAt: now - 300 }, now)).toBe(now - 300);
    expect(liveWall({ state: "closed", reason: "x", stalledAt: now - 50 }, now)).toBe(now - 50);
    // Never connected: nothing to stop.
    expect(liveWall({ state: "no-answer", since: now - 6_000 }, now)).toBe(now);
    expect(liveWall({ state: "replay", done: false }, now)).toBe(now);
  });
});

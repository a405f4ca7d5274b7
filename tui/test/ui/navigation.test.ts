import { describe, expect, test } from "bun:test";
import type { Prompt } from "@escapement/wire-schema";
import { emptyLog, logPush } from "../../src/domain/bounded-log.ts";
import type { Lane, LogRow } from "../../src/domain/index.ts";
import { logNav } from "../../src/ui/log-nav.ts";
import { formIntent, newForm } from "../../src/ui/prompt-form.ts";
import { logRowTarget, pagerDoc, switchTurn, switchView, turnTarget } from "../../src/ui/pager-target.ts";
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

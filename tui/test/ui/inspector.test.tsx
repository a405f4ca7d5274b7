import { afterEach, describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { inspectorLines, selectableKeys, stepKey, windowStart, type InspectorLine } from "../../src/ui/inspector-lines.ts";
import { data, scriptedRun, T0 } from "../support/frames.ts";
import { memoryBlobs, renderApp, stateOf } from "../support/render.tsx";

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));

/** A parallel chart with conversations in every state, artifacts, child sessions, armed debugger. */
const busyRun = (): OutboundFrame[] => {
  const run = scriptedRun({ sessionId: "s-busy", runId: "run-7", chartId: "review" });
  return [
    run.hello(),
    ...run.row("runner/started", { sessionId: "s-busy", runId: "run-7", chartId: "review", resumed: false }),
    ...run.row("runner/start-config", {
      config: ["work", "work.scan", "work.scan.deep", "work.lint", "watch"],
    }),
    ...run.row("llm/conversation-started", data.started("lead")),
    ...run.row("llm/request", data.request("lead", 1)),
    ...run.row("llm/response", data.response("lead", 1, 420, { ttftMs: 610 })),
    ...run.row("llm/request", data.request("lead", 2)),
    ...run.row("llm/conversation-started", data.started("scanner", "fast")),
    ...run.row("llm/request", data.request("scanner", 1, "fast")),
    ...run.row("llm/delta", data.delta("scanner", 1, "Looking at the diff")),
    ...run.row("llm/conversation-started", data.started("checker")),
    ...run.row("llm/request", data.request("checker", 1)),
    ...run.row("llm/error", { invokeId: "checker", category: "overloaded", message: "529 overloaded" }),
    ...run.row("llm/conversation-started", data.started("drafter")),
    ...run.row("llm/request", data.request("drafter", 1)),
    ...run.row("llm/response", data.response("drafter", 1, 1200)),
    ...run.row("llm/conversation-ended", data.ended("drafter", "done")),
    ...run.row("artifact/captured", { name: "findings.md", ref: "artifacts/findings.md", bytes: 2048, snippet: "# Findings - unused import in a.ts" }),
    ...run.row("artifact/captured", { name: "summary", ref: "artifacts/summary", bytes: 96, snippet: "All clear but one." }),
    ...run.row("session/child-started", { childSessionId: "child-a", chartId: "scan", parentInvokeId: "lead" }),
    ...run.row("debug/mode", { mode: "armed" }),
  ];
};

const SIZES = [
  { width: 80, height: 24 },
  { width: 120, height: 40 },
] as const;

describe("INSPECTOR", () => {
  for (const size of SIZES) {
    test(`run, chart tree, invocations, artifacts at ${size.width}x${size.height}`, async () => {
      const app = await render(busyRun(), size, { status: { state: "connected" }, now: T0 + 2_000 });
      await app.keys("tab", "tab", "down", "down");
      const frame = app.captureCharFrame();
      expect(frame).toContain("▸ INSPECTOR");
      expect(frame).toContain("›● scanner · scanner · turn 1 · 0 tok");
      expect(frame).toMatchSnapshot();
    });
  }

  test("the selection scrolls a short panel to artifacts; Enter opens one", async () => {
    const app = await render(
      busyRun(),
      { width: 80, height: 24 },
      {
        status: { state: "connected" },
        blobs: memoryBlobs({ "artifacts/findings.md": "# Findings\n\n- unused import in a.ts\n" }),
      },
    );
    await app.keys("tab", "tab", "end", "up");
    expect(app.captureCharFrame()).toContain("›▤ findings.md · 2.0 KB");
    await app.keys("return");
    for (let i = 0; i < 500 && !app.captureCharFrame().includes("unused import in a.ts"); i++) {
      await Bun.sleep(10);
      await app.renderOnce();
    }
    expect(app.captureCharFrame()).toContain("artifact findings.md");
  });

  test("Enter on an invocation with no turns says so", async () => {
    const run = scriptedRun();
    const app = await render(
      [run.hello(), ...run.row("llm/conversation-started", data.started("idle"))],
      { width: 120, height: 40 },
      { status: { state: "connected" } },
    );
    await app.keys("tab", "tab", "down", "return");
    expect(app.captureCharFrame()).toContain("idle has no turns yet");
  });
});

describe("inspector lines", () => {
  const state = stateOf(busyRun());
  const lines = inspectorLines(state, T0 + 2_000);
  const text = lines.map((l) => l.text);

  test("the debugger, the chart tree and every invocation with model, turns, tokens and state", () => {
    expect(text).toContain(" debug    ⚑ armed: pause on next external");
    // The core's configurations name no machine root: a parallel chart's regions are the roots.
    expect(text.slice(text.indexOf("CHART"), text.indexOf("CHART") + 6)).toEqual(["CHART", " work", " ├─ scan", " │  └─ deep", " └─ lint", " watch"]);
    expect(text).toContain("● lead · lead · turn 2 · 520 tok");
    expect(text).toContain("   smart → claude-sonnet-4-5 · waiting");
    expect(text).toContain("✗ checker · checker · turn 1 · 0 tok");
    expect(text).toContain("   smart · error overloaded: 529 overloaded");
    expect(text).toContain("○ drafter · drafter · turn 1 · 1.3k tok");
    expect(text).toContain("   smart → claude-sonnet-4-5 · ended (done)");
    expect(text).toContain(" child-a (scan) running");
  });

  test("selectable items: invocations then artifacts", () => {
    expect(selectableKeys(lines)).toEqual(["inv:lead", "inv:scanner", "inv:checker", "inv:drafter", "art:findings.md", "art:summary"]);
    expect(stepKey(["a", "b", "c"], undefined, 1)).toBe("a");
    expect(stepKey(["a", "b", "c"], undefined, -1)).toBe("c");
    expect(stepKey(["a", "b", "c"], "b", 5)).toBe("c");
    expect(stepKey([], "b", 1)).toBeUndefined();
  });

  test("the window keeps the selected item whole", () => {
    const l = (key?: string, head = false): InspectorLine => ({ text: "x", tone: "text", ...(key ? { key, head } : {}) });
    const many = [l(), l(), l("a", true), l("a"), l(), l(), l("b", true), l("b")];
    expect(windowStart(many, undefined, 4)).toBe(0);
    expect(windowStart(many, "a", 4)).toBe(0);
    expect(windowStart(many, "b", 4)).toBe(4);
    expect(windowStart(many, "b", 20)).toBe(0);
  });
});

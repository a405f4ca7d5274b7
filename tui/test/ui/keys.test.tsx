/** The keys that ask first (Esc, q), the LOG filter, and a failed run's error, in the whole app. */
import { afterEach, describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { asLive, sampleFrames, scriptedRun } from "../support/frames.ts";
import { renderApp } from "../support/render.tsx";
import { until } from "../support/wire-server.ts";

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));
const size = { width: 100, height: 30 };
const connected = { status: { state: "connected" } as const };

/** A live run in the middle of a stream. */
const streaming = () => asLive(sampleFrames().slice(0, 14));

const FAILURE =
  "no progress for 10 checks (5000 ms): the conversation judge is idle, nothing is pending and no transition is enabled; the chart handles no error.llm.aborted";

/** A live run that failed: its final row carries the error. */
const failed = (): OutboundFrame[] => {
  const run = scriptedRun();
  return [
    { ...run.hello(), replay: false } as OutboundFrame,
    ...run.row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "demo", resumed: false }),
    ...run.row("debug/interrupted", { invokeIds: ["judge"] }),
    ...run.row("runner/done", { status: "error", finalConfig: ["demo.judging"], error: { category: "wedged", message: FAILURE } }),
  ];
};

describe("Esc asks before it interrupts", () => {
  test("one Esc only asks, in the footer; a second one interrupts", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("escape");
    expect(app.calls).toEqual([]);
    expect(app.captureCharFrame()).toContain("Esc again to interrupt the model calls in flight");
    await app.keys("escape");
    expect(app.calls).toEqual(["interrupt"]);
    expect(app.captureCharFrame()).not.toContain("Esc again");
  });

  test("Esc Esc pressed fast enough to arrive in one read interrupts too", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("\u001b\u001b");
    // An ESC-led read is parsed once the input settles.
    await until(() => app.calls.length > 0, 2_000, "the key");
    expect(app.calls).toEqual(["interrupt"]);
  });

  test("the Esc that closes the pager and a habitual one after it interrupt nothing", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("return");
    expect(app.captureCharFrame()).toContain("turn 2");
    await app.keys("escape", "escape");
    expect(app.calls).toEqual([]);
    expect(app.captureCharFrame()).toContain("Esc again to interrupt");
  });

  test("another key in between lets the question lapse", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("escape", "tab", "escape");
    expect(app.calls).toEqual([]);
  });
});

describe("q quits from the panels", () => {
  test("while the run is live it asks: any other key stays, q again or y quits", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("q");
    expect(app.calls).toEqual([]);
    expect(app.captureCharFrame()).toContain("q or y to quit, any other key to stay");
    // The key that answers "stay" does nothing else (p would pause).
    await app.keys("p");
    expect(app.calls).toEqual([]);
    await app.keys("q", "q");
    expect(app.calls).toEqual(["quit"]);
    await app.keys("q", "y");
    expect(app.calls).toEqual(["quit", "quit"]);
  });

  test("a replay, or a run that is over, quits at once", async () => {
    const replay = await render(sampleFrames(), size);
    await replay.keys("q");
    expect(replay.calls).toEqual(["quit"]);
    replay.renderer.destroy();
    const over = await render(failed(), size, connected);
    await over.keys("q");
    expect(over.calls).toEqual(["quit"]);
  });
});

describe("/ filters the LOG", () => {
  test("type, Enter applies: only the rows that show the text; the footer says so; / then Esc clears", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 });
    expect(app.captureCharFrame()).toContain("LOG 23");
    await app.keys("/", "c", "h", "e", "c", "k");
    expect(app.captureCharFrame()).toContain("/check▏  Enter apply · Esc clear");
    await app.keys("return");
    const frame = app.captureCharFrame();
    const logLines = frame.split("\n").filter((line) => /^│ \+\d/.test(line) || /│ \+\d+:\d\d/.test(line));
    expect(frame).toContain("LOG filter /check");
    expect(frame).toMatch(/LOG \d+/);
    expect(frame).not.toContain("LOG 23");
    for (const line of logLines) expect(line.toLowerCase()).toContain("check");
    // Keys move in the filtered rows; Enter opens what the cursor is on.
    await app.keys("/", "escape");
    expect(app.captureCharFrame()).toContain("LOG 23");
    expect(app.captureCharFrame()).not.toContain("LOG filter");
  });

  test("while typing, the keys are text: q and p do not quit or pause; Ctrl-C still quits", async () => {
    const app = await render(streaming(), size, connected);
    await app.keys("/", "q", "p", "backspace");
    expect(app.calls).toEqual([]);
    expect(app.captureCharFrame()).toContain("/q▏");
    app.mockInput.pressKey("c", { ctrl: true });
    await app.renderOnce();
    expect(app.calls).toEqual(["quit"]);
  });
});

describe("a failed run", () => {
  test("its whole error shows above the footer, wrapped, not cut", async () => {
    const app = await render(failed(), size, connected);
    const frame = app.captureCharFrame().replace(/\s+/g, " ");
    expect(frame).toContain(`✗ run error: wedged: ${FAILURE}`);
  });

  test("Enter on its final row opens the whole error in the pager", async () => {
    const app = await render(failed(), size, connected);
    await app.keys("tab", "up");
    expect(app.captureCharFrame()).toContain("Enter open the whole error");
    await app.keys("return");
    const frame = app.captureCharFrame();
    expect(frame).not.toContain("has no blob to open");
    expect(frame).toContain("transcript row 3 (runner/done)");
    expect(frame.replace(/[║│\s]+/g, " ")).toContain("the chart handles no error.llm.aborted");
  });

  test("the debugger's interrupt reads as words in the LOG", async () => {
    const app = await render(failed(), size, connected);
    expect(app.captureCharFrame()).toContain("interrupted model calls of judge");
    expect(app.captureCharFrame()).not.toContain('{"invokeIds"');
  });
});

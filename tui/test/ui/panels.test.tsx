import { afterEach, describe, expect, test } from "bun:test";
import { createSignal } from "solid-js";
import type { OutboundFrame } from "@escapement/wire-schema";
import type { ConnectionStatus } from "../../src/transport/index.ts";
import { Header } from "../../src/ui/header.tsx";
import { LivePanel } from "../../src/ui/live-panel.tsx";
import { LogPane } from "../../src/ui/log-pane.tsx";
import { data, scriptedRun } from "../support/frames.ts";
import { renderNode, stateOf } from "../support/render.tsx";
import { viewNow } from "../../src/domain/index.ts";

type Rendered = Awaited<ReturnType<typeof renderNode>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderNode>) => (current = await renderNode(...args));

/** Three conversations in every status, an error, and child sessions under one of them. */
const busyRun = (): OutboundFrame[] => {
  const run = scriptedRun({ sessionId: "s-busy", runId: "run-1", chartId: "fan-out" });
  return [
    run.hello(),
    ...run.row("runner/started", { sessionId: "s-busy", runId: "run-1", chartId: "fan-out", resumed: false }),
    ...run.row("runner/start-config", { config: ["review", "review.scan"] }),
    ...run.row("llm/conversation-started", data.started("lead")),
    ...run.row("llm/request", data.request("lead", 1)),
    ...run.row("llm/response", data.response("lead", 1, 420, { ttftMs: 610, tokensPerSec: 52.5 })),
    ...run.row("session/child-started", { childSessionId: "child-a", chartId: "scan", parentInvokeId: "lead" }),
    ...run.row("session/child-started", { childSessionId: "child-b", chartId: "scan", parentInvokeId: "lead" }),
    ...run.row("session/child-done", { childSessionId: "child-a", status: "done" }),
    ...run.row("llm/conversation-started", data.started("writer", "fast")),
    ...run.row("llm/request", data.request("writer", 1, "fast")),
    ...run.row("llm/delta", data.delta("writer", 1, "| file | finding |\n|---|---|\n| a.ts | unused import |\n"), 250),
    ...run.row("llm/delta", data.delta("writer", 1, "| b.ts | missing await |\n"), 400),
    ...run.row("llm/conversation-started", data.started("checker")),
    ...run.row("llm/request", data.request("checker", 1)),
    ...run.row("llm/error", { invokeId: "checker", category: "overloaded", message: "529 overloaded" }),
    ...run.row("llm/conversation-started", data.started("summary", "cheap")),
    ...run.row("llm/request", data.request("summary", 1, "cheap")),
  ];
};

describe("LIVE panel", () => {
  test("rows for every status with child sessions under their parent, newest live selected", async () => {
    const state = stateOf(busyRun());
    const app = await render(
      () => <LivePanel state={() => state} now={() => viewNow(state, 0)} selected={() => undefined} height={14} width={() => 80} />,
      80,
      14,
    );
    expect(app.captureCharFrame()).toMatchSnapshot();
  });

  test("a child session's own conversations sit under it, named without the session's prefix", async () => {
    const run = scriptedRun({ sessionId: "s-fleet", runId: "run-2", chartId: "fleet" });
    const state = stateOf([
      run.hello(),
      ...run.row("llm/conversation-started", data.started("lead")),
      ...run.row("session/child-started", { childSessionId: "s-fleet-c1", chartId: "scan", parentInvokeId: "lead" }),
      // As the parent's transcript mirrors the child's rows.
      ...run.row("llm/conversation-started", data.started("s-fleet-c1/scanner", "cheap")),
      ...run.row("llm/request", data.request("s-fleet-c1/scanner", 1, "cheap")),
      ...run.row("session/child-started", { childSessionId: "s-fleet-c2", chartId: "scan" }),
      ...run.row("llm/conversation-started", data.started("s-fleet-c2/scanner", "cheap")),
    ]);
    const app = await render(
      () => <LivePanel state={() => state} now={() => viewNow(state, 0)} selected={() => "lead"} height={11} width={() => 80} />,
      80,
      11,
    );
    const frame = app.captureCharFrame();
    expect(frame).toContain("  └ scanner");
    expect(frame).not.toContain("s-fleet-c1/scanner");
    expect(frame).toMatchSnapshot();
  });

  test("the selected row's streaming text follows the selection", async () => {
    const state = stateOf(busyRun());
    const [selected, setSelected] = createSignal<string | undefined>("writer");
    const app = await render(() => <LivePanel state={() => state} now={() => viewNow(state, 0)} selected={selected} height={12} width={() => 80} />, 80, 12);
    expect(app.captureCharFrame()).toMatchSnapshot();
    setSelected("lead");
    await app.renderOnce();
    expect(app.captureCharFrame()).toContain("── lead · turn 1 ");
  });

  test("a short panel scrolls the table to keep the selection visible", async () => {
    const state = stateOf(busyRun());
    const app = await render(
      () => <LivePanel state={() => state} now={() => viewNow(state, 0)} selected={() => "summary"} height={7} width={() => 80} />,
      80,
      7,
    );
    const frame = app.captureCharFrame();
    expect(frame).toContain("› waiting    summary");
    expect(frame).toMatchSnapshot();
  });
});

describe("header", () => {
  const statuses: ConnectionStatus[] = [
    { state: "connecting" },
    { state: "connected" },
    { state: "reconnecting", attempt: 3, retryInMs: 1_000, reason: "socket closed (1006)" },
    { state: "closed", reason: "unauthorized (4001)" },
    { state: "replay", done: false },
  ];
  for (const status of statuses) {
    test(`shows ${status.state}`, async () => {
      const state = stateOf(busyRun());
      const app = await render(() => <Header state={() => state} now={() => (state.lastTs ?? 0) + 65_000} status={() => status} />, 80, 2);
      expect(app.captureCharFrame()).toMatchSnapshot();
    });
  }
});

describe("LOG pane", () => {
  test("rows in lanes, cut to the width", async () => {
    const state = stateOf(busyRun());
    const app = await render(
      () => <LogPane state={() => state} view={() => ({})} lanes={() => undefined} focused={() => false} width={() => 80} height={() => 12} />,
      80,
      12,
    );
    expect(app.captureCharFrame()).toMatchSnapshot();
  });

  test("the error lane alone", async () => {
    const state = stateOf(busyRun());
    const app = await render(
      () => <LogPane state={() => state} view={() => ({})} lanes={() => new Set(["error"] as const)} focused={() => true} width={() => 60} height={() => 5} />,
      60,
      5,
    );
    expect(app.captureCharFrame()).toMatchSnapshot();
  });
});

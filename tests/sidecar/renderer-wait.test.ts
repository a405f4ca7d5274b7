/**
 * A run in the terminal UI starts its chart only once the TUI has attached, so the user sees it
 * from its first event; a TUI that never attaches delays it at most the wait's bound, after which
 * the run goes on headless and says so. A real tmux terminal, the real core, the real Bun sidecar.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rowsIn, hasTmux, killPanes, openPane, waitForFile, type Pane } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-renderer-wait-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const pane = (name: string, env: Record<string, string> = {}) => {
  const opened = openPane(name, { cwd: repo, env });
  panes.push(opened);
  return opened;
};

describe.skipIf(!hasTmux)("the terminal UI run waits for its TUI", () => {
  it("the chart's first row comes after the TUI attached", async () => {
    const session = join(work, "attached");
    const transcript = join(session, "transcript.jsonl");
    const terminal = pane("attached");
    terminal.run(`node core/bin/escapement.mjs run examples/hello --log-level info --session-dir ${session}; echo EXIT=$?`);
    await waitForFile(transcript, () => rowsIn(transcript).some((row) => row.event === "runner/done"), "the end of the run", 30_000);
    await terminal.waitForScreen(/\bdone\b/, "the outcome in the TUI");
    terminal.keys("C-c");
    await terminal.waitForScreen("EXIT=0", "the core's exit");
    const log = readFileSync(join(session, "escapement.log"), "utf8");
    const attachedLine = log.split("\n").find((line) => line.includes("wire: renderer attached"));
    expect(attachedLine).toBeDefined();
    const attachedAt = Date.parse(attachedLine!.split(" ")[0]!);
    const rows = rowsIn(transcript);
    const firstChartRow = rows.find((row) => row.event === "runner/start-config")!;
    expect(firstChartRow.ts).toBeGreaterThanOrEqual(attachedAt);
    expect(rows.some((row) => row.event === "runner/notice")).toBe(false);
  });

  it("a TUI that never attaches: after the bound the run goes on headless, with one stderr line and a runner/notice row", async () => {
    const session = join(work, "never");
    const transcript = join(session, "transcript.jsonl");
    // Stands in for a TUI that starts but never completes the handshake; it exits after a while.
    const silent = join(work, "silent-tui.js");
    writeFileSync(silent, "setTimeout(() => process.exit(0), 3000);\n");
    const terminal = pane("never", { ESCAPEMENT_TUI_ENTRY: silent });
    terminal.run(`node core/bin/escapement.mjs run examples/hello --wait-for-renderer=0.5 --session-dir ${session}; echo EXIT=$?`);
    const screen = await terminal.waitForScreen("EXIT=0", "the core's exit", 30_000);
    expect(screen).toContain("escapement: the terminal UI did not attach within 0.5 s; the run starts without it");
    const rows = rowsIn(transcript);
    expect(rows.map((row) => row.event).slice(0, 3)).toEqual(["runner/started", "runner/notice", "runner/start-config"]);
    expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done" } });
  });
});

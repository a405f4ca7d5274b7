/**
 * `escapement run --store memory` on a terminal: the terminal UI shows the run as it does a run on
 * disk, and with no session directory it reads a turn's full response over the wire.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { hasTmux, killPanes, openPane, type Pane } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-store-tui-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)("the terminal UI of a run kept in the memory store", () => {
  it("shows the run, opens a response read over the wire, and leaves no file behind", async () => {
    const pane = openPane("store-tui", { cwd: work });
    panes.push(pane);
    pane.run(`node ${join(repo, "core/bin/escapement.mjs")} run ${join(repo, "tests/sidecar/fixture")} --store memory; echo EXIT=$?`);
    await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI", 30_000);
    expect(pane.format("#{alternate_on}")).toBe("1");
    pane.type("Ada");
    pane.keys("Enter");
    await pane.waitForScreen("Accept 4 steps?", "the confirm prompt", 30_000);
    pane.keys("y");
    await pane.waitForScreen(/run done in accepted/, "the end of the run in the LOG");
    // The LOG, then its last response row: the pager shows the response's text, from the store.
    pane.keys("Tab", "Tab");
    await pane.waitForScreen("Enter open", "the LOG focused");
    pane.keys("Up", "Up", "Up", "Up", "Up");
    pane.keys("Enter");
    const pager = await pane.waitForScreen("turn 5 · response", "the response in the pager");
    await pane.waitForScreen("All done.", "the response's text");
    expect(pager).not.toMatch(/Cannot show|no session directory/);
    pane.keys("q");
    await pane.waitForScreen("? keys", "the pager closed");
    pane.keys("q");
    await pane.waitForScreen("EXIT=0", "the CLI's exit");
    expect(pane.screen()).toContain('"sessionDir":"memory:');
    // Nothing of the session on disk: no .escapement in the project.
    expect(readdirSync(work)).toEqual([]);
  }, 90_000);
});

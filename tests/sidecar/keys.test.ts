/**
 * Keys in the real UI as `escapement run` starts it, in a real terminal (tmux): Esc asks before
 * it interrupts, `q` asks before it quits a live run, `/` filters the LOG; a failed run's whole
 * error shows above the footer and opens in the pager.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { TranscriptRow } from "@escapement/wire-schema";
import { repo } from "./attach.js";
import { rowsIn, hasTmux, killPanes, openPane, waitForFile, type Pane } from "./tmux.js";

const work = mkdtempSync(join(tmpdir(), "escapement-keys-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const waitForRow = (path: string, what: string, match: (row: TranscriptRow) => boolean, ms = 20_000) =>
  waitForFile(path, () => rowsIn(path).some(match), what, ms).then(() => rowsIn(path));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `escapement run` of the fixture in a fresh pane, past its name prompt, streaming. */
const startStreaming = async (name: string) => {
  const session = join(work, name);
  const transcript = join(session, "transcript.jsonl");
  const pane = openPane(name, { cwd: repo, width: 120, height: 40 });
  panes.push(pane);
  pane.run(`node core/bin/escapement.mjs run tests/sidecar/fixture --session-dir ${session}; echo EXIT=$?`);
  await pane.waitForScreen("Who is this run for?", "the name prompt in the UI");
  pane.type("Ada");
  pane.keys("Enter");
  await waitForRow(transcript, "the conversation streaming", (row) => row.event === "llm/delta");
  return { pane, session, transcript };
};

/** The LOG pane's rows on screen (the left column of lines that start with a time offset). */
const logLines = (screen: string): string[] =>
  screen
    .split("\n")
    .map((line) => /^[│║](.{0,80}?)[│║]/.exec(line)?.[1] ?? "")
    .filter((cell) => /^.\+\d+:\d\d\.\d/.test(cell));

const flat = (text: string) => text.replace(/[│║┃]/g, " ").replace(/\s+/g, " ");

describe.skipIf(!hasTmux)("keys in the terminal UI", () => {
  it("Esc asks, Esc Esc interrupts; the failed run's whole error shows, and Enter on its final row opens it", async () => {
    const { pane, transcript } = await startStreaming("interrupt");
    pane.keys("Escape");
    await pane.waitForScreen("Esc again to interrupt", "the question in the footer");
    // A single Esc does nothing, and the question lapses after a second.
    await sleep(1_300);
    expect(pane.screen()).not.toContain("Esc again to interrupt");
    expect(rowsIn(transcript).some((row) => row.event === "debug/interrupted")).toBe(false);

    // Pressed fast, both reach the UI at once.
    pane.keys("Escape", "Escape");
    await waitForRow(transcript, "the interrupt", (row) => row.event === "debug/interrupted");
    await pane.waitForScreen("interrupted model calls of worker", "the interrupt as words in the LOG");

    // The fixture handles no error.llm.aborted: the run ends wedged after 5 s.
    const rows = await waitForRow(transcript, "the end of the run", (row) => row.event === "runner/done", 30_000);
    const done = rows.find((row) => row.event === "runner/done")!;
    const error = (done.data as { error: { category: string; message: string } }).error;
    expect(error.message.length).toBeGreaterThan(60);
    const screen = await pane.waitForScreen("✗ run error", "the run's error above the footer");
    expect(flat(screen)).toContain(flat(`✗ run error: ${error.category}: ${error.message}`));

    pane.keys("Tab");
    pane.keys("Up");
    await pane.waitForScreen("Enter open the whole error", "the hint on the final row");
    pane.keys("Enter");
    const pager = await pane.waitForScreen(`transcript row ${done.seq} (runner/done)`, "the error in the pager");
    expect(pager).not.toContain("has no blob to open");
    expect(flat(pager)).toContain(flat(error.message).slice(-40));
    pane.keys("Escape");
    // A key right after Esc would read as Alt and that key.
    await sleep(200);
    await pane.waitForScreen("? keys", "the pager closed");
    // The run is over: q quits at once.
    pane.keys("q");
    await pane.waitForScreen(/EXIT=\d+/, "the CLI's exit");
    expect(pane.screen()).toContain('"status":"error"');
  }, 90_000);

  it("q asks while the run is live (any other key stays, q again quits); / filters the LOG", async () => {
    const { pane } = await startStreaming("quit");
    await pane.waitForScreen(/Step 2/, "a few LOG rows");

    pane.type("/step");
    await pane.waitForScreen("/step▏", "the filter being typed");
    pane.keys("Enter");
    const filtered = await pane.waitForScreen("LOG filter /step", "the filter applied");
    const lines = logLines(filtered);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.toLowerCase()).toContain("step");
    pane.type("/");
    pane.keys("Escape");
    await sleep(200);
    await pane.waitForScreen(/checkpoint|chart config/, "every row again");
    expect(pane.screen()).not.toContain("LOG filter");

    pane.type("q");
    await pane.waitForScreen("q or y to quit, any other key to stay", "the question");
    pane.type("x");
    await sleep(500);
    expect(pane.screen()).not.toContain("EXIT=");
    expect(pane.screen()).not.toContain("q or y to quit");
    pane.type("q");
    await pane.waitForScreen("q or y to quit", "the question again");
    pane.type("q");
    await pane.waitForScreen("EXIT=130", "the CLI's exit: the run ended by the UI's quit");
    expect(pane.screen()).toContain('"status":"aborted"');
  }, 60_000);
});

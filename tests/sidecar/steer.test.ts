/**
 * A message for a running conversation from the real UI as `escapement run` starts it, in a real
 * terminal (tmux): `m` on the conversation selected in LIVE, the text, Enter. The run queues it
 * (`llm/steer-queued`, from the renderer) and the model gets it at its next step
 * (`llm/steer-injected`); the LOG shows both.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { TranscriptRow } from "@escapement/wire-schema";
import { repo } from "./attach.js";
import { rowsIn, hasTmux, killPanes, openPane, waitForFile, type Pane } from "./tmux.js";

const work = mkdtempSync(join(tmpdir(), "escapement-steer-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const waitForRow = (path: string, what: string, match: (row: TranscriptRow) => boolean, ms = 20_000) =>
  waitForFile(path, () => rowsIn(path).some(match), what, ms).then(() => rowsIn(path).find(match)!);

describe.skipIf(!hasTmux)("messaging a conversation from the terminal UI", () => {
  it("m, the text and Enter queue the message for the selected conversation; the model gets it at its next step", async () => {
    const session = join(work, "steer");
    const transcript = join(session, "transcript.jsonl");
    const pane = openPane("steer", { cwd: repo, width: 120, height: 40 });
    panes.push(pane);
    pane.run(`node core/bin/escapement.mjs run tests/sidecar/fixture --session-dir ${session}; echo EXIT=$?`);
    await pane.waitForScreen("Who is this run for?", "the name prompt in the UI");
    pane.type("Ada");
    pane.keys("Enter");
    await waitForRow(transcript, "the conversation streaming", (row) => row.event === "llm/delta");
    await pane.waitForScreen("m message", "the footer naming m (the core takes messages)");

    pane.type("m");
    await pane.waitForScreen("message → worker: ▏", "the message input for the selected conversation");
    // While the message is typed, keys are text: q and p neither quit nor pause.
    pane.type("Keep it short, quip");
    await pane.waitForScreen("quip▏", "the text typed");
    pane.keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace");
    await pane.waitForScreen("message → worker: Keep it short▏", "the text taken back");
    pane.keys("Enter");

    const queued = await waitForRow(transcript, "the message queued", (row) => row.event === "llm/steer-queued");
    expect(queued.data).toMatchObject({ invokeId: "worker", from: "renderer", snippet: "Keep it short" });
    const steerId = (queued.data as { steerId: string }).steerId;
    const injected = await waitForRow(
      transcript,
      "the message given to the model",
      (row) => row.event === "llm/steer-injected" && (row.data as { steerId: string }).steerId === steerId,
    );
    const turn = (injected.data as { turn: number }).turn;
    expect(injected.seq).toBeGreaterThan(queued.seq);
    // The request of that turn is the first to hold it: it comes after the row that says so.
    const request = await waitForRow(
      transcript,
      "the request that holds it",
      (row) =>
        row.event === "llm/request" && (row.data as { invokeId: string; turn: number }).invokeId === "worker" && (row.data as { turn: number }).turn === turn,
    );
    expect(request.seq).toBeGreaterThan(queued.seq);
    expect(rowsIn(transcript).some((row) => row.event === "debug/paused")).toBe(false);

    await pane.waitForScreen('steer → worker: "Keep it short"', "the queued message in the LOG");
    await pane.waitForScreen(`steer delivered to worker (turn ${turn})`, "the delivery in the LOG");

    pane.type("q");
    await pane.waitForScreen("q or y to quit", "the question");
    pane.type("q");
    await pane.waitForScreen("EXIT=130", "the CLI's exit");
  }, 90_000);
});

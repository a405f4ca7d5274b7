/**
 * The real thing: `escapement run` in a tmux terminal spawns the Bun terminal UI as its sidecar,
 * and the tests drive it with keys and read its screen. A second wire client (`--listen`) answers
 * and controls the same run from outside. A killed sidecar leaves a usable terminal and an
 * intact, finished transcript.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  PROTOCOL_MAJOR,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  decodeOutbound,
  validateTranscriptRow,
  type OutboundFrame,
  type TranscriptRow,
} from "@escapement/wire-schema";
import { rowsIn, hasTmux, killPanes, openPane, until, waitForFile, type Pane } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-sidecar-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const start = (name: string, flags = ""): { pane: Pane; session: string; transcript: string } => {
  const session = join(work, name);
  const pane = openPane(name, { cwd: repo });
  panes.push(pane);
  pane.run(`node core/bin/escapement.mjs run tests/sidecar/fixture --session-dir ${session} ${flags}; echo EXIT=$?`);
  return { pane, session, transcript: join(session, "transcript.jsonl") };
};

const waitForRow = (path: string, what: string, match: (row: TranscriptRow, rows: TranscriptRow[]) => boolean, ms = 20_000) =>
  waitForFile(path, () => rowsIn(path).some((row, _i, rows) => match(row, rows)), what, ms).then(() => rowsIn(path));

const data = (row: TranscriptRow) => row.data as Record<string, unknown>;

/** External events the gate let through: model calls and the conversation's events reaching the chart. */
const isExternal = (row: TranscriptRow): boolean =>
  row.event === "llm/request" || (row.event === "runner/event-processed" && ["step.done", "work.done"].includes(String(data(row).event)));

/** The whole transcript: gap-free, valid rows, one runner/done at the end with `status`. */
const expectFinished = (rows: TranscriptRow[], status: string, session: string) => {
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  for (const row of rows) expect(validateTranscriptRow(row)).toMatchObject({ ok: true });
  expect(rows.filter((row) => row.event === "runner/done")).toHaveLength(1);
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status } });
  expect(JSON.parse(readFileSync(join(session, "session.json"), "utf8"))).toMatchObject({ status });
  // wire.json only exists while the run is live.
  expect(existsSync(join(session, "wire.json"))).toBe(false);
};

/** The terminal is back to normal: main screen, cursor shown, no mouse reporting, canonical input with echo. */
const expectTerminalRestored = async (pane: Pane) => {
  expect(pane.format("#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag}")).toBe("0 1 0 0");
  // The marker is computed by the shell, so the typed command line never matches it.
  pane.run("stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo STTY-$((6*7))");
  const screen = await pane.waitForScreen("STTY-42", "stty's answer");
  expect(screen.split("\n").find((text) => text.includes("STTY-42"))).toMatch(/^icanon echo STTY-42/);
};

// These need a real terminal (tmux) and Bun; without tmux they are skipped, loudly.
describe.skipIf(!hasTmux)("the terminal UI as escapement run's sidecar", () => {
  it("answers prompts with keys, pauses, steps and continues, shows the outcome; Ctrl-C after the run exits 0", async () => {
    const { pane, session, transcript } = start("keys");
    await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI");
    expect(pane.format("#{alternate_on}")).toBe("1");
    pane.type("Ada");
    pane.keys("Enter");
    await waitForRow(transcript, "the first model call", (row) => row.event === "llm/request");
    // Keys reach the panels (not the prompt's input) once the TUI has closed its modal.
    await until(() => !/PROMPT ·/.test(pane.screen()), "the prompt modal to close");

    pane.keys("p");
    await pane.waitForScreen("PAUSED", "the paused indicator");
    await waitForRow(transcript, "debug/paused", (row) => row.event === "debug/paused");

    // Two single steps: each lets exactly one external event through, then pauses again.
    for (let step = 1; step <= 2; step++) {
      pane.keys("s");
      await waitForRow(
        transcript,
        `step ${step} done`,
        (row, rows) => rows.filter((r) => r.event === "debug/paused" && data(r).reason === "step done").length >= step,
      );
      await pane.waitForScreen(/PAUSED · step 0 left/, "paused after a step");
    }
    pane.keys("c");
    await pane.waitForScreen("Accept 4 steps?", "the confirm prompt", 30_000);
    pane.keys("y");
    const rows = await waitForRow(transcript, "the end of the run", (row) => row.event === "runner/done");
    await pane.waitForScreen(/\bdone\b/, "the outcome in the header");
    expect(pane.screen()).not.toContain("EXIT=");

    // What the keys did, as the transcript tells it.
    expect(rows.find((row) => row.event === "human-input/answered" && data(row).promptId === "name")).toMatchObject({ data: { value: "Ada" } });
    const controls = rows.filter((row) => ["debug/paused", "debug/step", "debug/mode", "debug/resumed"].includes(row.event));
    expect(controls.map((row) => row.event)).toEqual([
      "debug/paused",
      "debug/step",
      "debug/paused",
      "debug/step",
      "debug/paused",
      "debug/resumed",
      "debug/mode",
    ]);
    // Between a step and the next control row, exactly one external event went through.
    for (const stepRow of rows.filter((row) => row.event === "debug/step")) {
      const next = controls.find((row) => row.seq > stepRow.seq && row.event !== "debug/paused") ?? rows.at(-1)!;
      expect(rows.filter((row) => row.seq > stepRow.seq && row.seq < next.seq && isExternal(row))).toHaveLength(1);
    }
    expect(rows.filter((row) => row.event === "runner/event-processed" && data(row).event === "step.done")).toHaveLength(4);

    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "the CLI's exit");
    expectFinished(rows, "done", session);
    expect(pane.screen()).toContain('"status":"done"');
    await expectTerminalRestored(pane);
  });

  it("--listen: a second renderer answers and drives the debugger over the wire while the TUI shows it", async () => {
    const { pane, session, transcript } = start("listen", "--listen 127.0.0.1:0");
    const wireJson = join(session, "wire.json");
    const info = JSON.parse(await waitForFile(wireJson, (text) => text.trim().endsWith("}"), "wire.json")) as {
      url: string;
      token: string;
      protocol: { version: string };
    };
    // The TUI gets the token through its environment: no process command line shows it.
    const commandLines = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    expect(commandLines).not.toContain(info.token);
    expect(info).toMatchObject({
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/),
      token: expect.any(String),
      protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
    });
    await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI");

    const frames: OutboundFrame[] = [];
    const ws = new WebSocket(info.url, { maxPayload: 4 * 1024 * 1024 });
    ws.on("message", (raw) => {
      const decoded = decodeOutbound(raw.toString());
      if (decoded.ok) frames.push(decoded.frame);
    });
    await new Promise((resolveOpen, reject) => ws.once("open", resolveOpen).once("error", reject));
    const send = (frame: Record<string, unknown>) => ws.send(JSON.stringify({ v: PROTOCOL_MAJOR, ...frame }));
    const waitFrame = (what: string, match: (frame: OutboundFrame) => boolean, ms = 20_000) =>
      until(
        () => frames.find(match),
        what,
        ms,
        () => frames.map((f) => f.kind).join(","),
      );
    try {
      send({ kind: "attach", token: info.token, protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION }, client: { name: "sidecar-test" } });
      await waitFrame("hello", (frame) => frame.kind === "hello");
      await waitFrame("the name prompt", (frame) => frame.kind === "prompt" && frame.prompt.promptId === "name");
      send({ kind: "answer", id: "a-1", promptId: "name", value: "Grace" });
      // The TUI's modal closes: another renderer answered.
      await until(() => !pane.screen().includes("Who is this run for?"), "the TUI's prompt modal to close");
      await waitFrame("the first model call", (frame) => frame.kind === "event" && frame.row.event === "llm/request");
      send({ kind: "control", action: "pause" });
      await pane.waitForScreen("PAUSED", "the TUI to show the pause sent over the wire");
      send({ kind: "control", id: "bad", action: "pause" });
      await waitFrame("an error for pausing twice", (frame) => frame.kind === "error" && frame.inReplyTo === "bad" && frame.code === "invalid-control");
      send({ kind: "control", action: "step", n: 2 });
      await waitFrame("paused after 2 steps", (frame) => frame.kind === "debug" && frame.paused && frame.reason === "step done");
      await pane.waitForScreen(/PAUSED · step 0 left/, "the TUI after the steps");
      send({ kind: "control", action: "continue" });
      await waitFrame("the confirm prompt", (frame) => frame.kind === "prompt" && frame.prompt.promptId === "approve", 30_000);
      await pane.waitForScreen("Accept 4 steps?", "the confirm modal in the TUI too");
      send({ kind: "answer", promptId: "approve", value: false });
      const finished = await waitFrame("run-finished", (frame) => frame.kind === "run-finished");
      expect(finished).toMatchObject({ status: "done", finalConfig: ["rejected"] });
      await pane.waitForScreen(/\bdone\b/, "the outcome in the TUI");
      await until(() => !existsSync(wireJson), "wire.json to go away when the run ends");
    } finally {
      ws.close();
    }
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "the CLI's exit");
    const rows = rowsIn(transcript);
    expectFinished(rows, "done", session);
    expect(rows.find((row) => row.event === "human-input/answered" && data(row).promptId === "name")).toMatchObject({ data: { value: "Grace" } });
    await expectTerminalRestored(pane);
  });

  it("a sidecar killed mid-run (SIGKILL): the terminal is restored and the run ends aborted with its transcript intact", async () => {
    const { pane, session, transcript } = start("kill");
    await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI");
    pane.type("Ada");
    pane.keys("Enter");
    await waitForRow(transcript, "the conversation streaming", (row) => row.event === "llm/delta");
    const { url } = JSON.parse(readFileSync(join(session, "wire.json"), "utf8")) as { url: string };
    const pid = Number(
      execFileSync("pgrep", ["-f", `tui/(dist/main\\.js|src/main\\.ts) --url ${url}`], { encoding: "utf8" })
        .trim()
        .split("\n")[0],
    );
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGKILL");
    const screen = await pane.waitForScreen("EXIT=130", "the CLI to end the run");
    expect(screen).toMatch(/the terminal UI was killed \(SIGKILL\) while the run was live; the run was ended \(status aborted\)/);
    expect(screen).toContain('"status":"aborted"');
    const rows = rowsIn(transcript);
    expectFinished(rows, "aborted", session);
    expect(rows.some((row) => row.event === "llm/conversation-ended")).toBe(true);
    expect(readFileSync(join(session, "escapement.log"), "utf8")).toMatch(/terminal UI exited while the run was live/);
    await expectTerminalRestored(pane);
  });

  it("Ctrl-C in the TUI mid-run quits both: the run ends aborted, the terminal is restored", async () => {
    const { pane, session, transcript } = start("ctrl-c");
    await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI");
    pane.type("Ada");
    pane.keys("Enter");
    await waitForRow(transcript, "the conversation streaming", (row) => row.event === "llm/delta");
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=130", "the CLI's exit");
    expectFinished(rowsIn(transcript), "aborted", session);
    await expectTerminalRestored(pane);
  });
});

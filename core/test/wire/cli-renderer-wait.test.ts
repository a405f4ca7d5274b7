/** `escapement run` waiting for its first renderer (`--wait-for-renderer`) and lingering after the run (`--linger`), through the real CLI. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TranscriptRow } from "@escapement/wire-schema";
import { scratch, startCli } from "../examples/harness.js";
import { connect, isKind, type Client } from "./harness.js";
import { until } from "./until.js";

const work = scratch("cli-renderer-wait");

const wireInfo = (session: string) => {
  const path = join(session, "wire.json");
  return until(() => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { url: string; token: string }) : undefined), "wire.json");
};

const rowsOf = (session: string): TranscriptRow[] =>
  existsSync(join(session, "transcript.jsonl"))
    ? readFileSync(join(session, "transcript.jsonl"), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as TranscriptRow)
    : [];

const attach = async (url: string, token: string, since?: number): Promise<Client> => {
  const client = await connect(url);
  client.attach(token, since);
  return client;
};

describe("--wait-for-renderer", () => {
  it("holds the chart until a renderer attaches; the renderer then sees the run from its first row", async () => {
    const session = join(work, "held");
    const run = startCli(["run", "examples/hello", "--no-spawn", "--wait-for-renderer=60", "--linger", "0", "--session-dir", session]);
    const info = await wireInfo(session);
    await until(() => run.err().includes("waiting up to 60 s for a renderer"), "the waiting line");
    await until(() => rowsOf(session).some((row) => row.event === "runner/started"), "runner/started on disk");
    // Nothing of the chart has happened yet: no start-config, no conversation.
    expect(rowsOf(session).map((row) => row.event)).toEqual(["runner/started"]);
    expect(run.running()).toBe(true);
    const client = await attach(info.url, info.token);
    const finished = await client.waitFor(isKind("run-finished", (frame) => frame.status === "done"));
    expect(finished.kind).toBe("run-finished");
    expect(await run.exited).toBe(0);
    expect(client.frames[0]!.kind).toBe("hello");
    expect(client.stream()[0]).toMatchObject({ kind: "event", seq: 1, row: { event: "runner/started" } });
    expect(rowsOf(session).some((row) => row.event === "runner/notice")).toBe(false);
    expect(run.err()).not.toMatch(/no renderer attached/);
  });

  it("with no renderer in time, the run starts anyway and says so: one stderr line and a runner/notice row", async () => {
    const session = join(work, "nobody");
    const run = startCli(["run", "examples/hello", "--no-spawn", "--wait-for-renderer=0.2", "--session-dir", session]);
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.out().trim())).toMatchObject({ status: "done" });
    const lines = run.err().split("\n");
    expect(lines.filter((line) => line.includes("no renderer attached"))).toEqual([
      "escapement: no renderer attached within 0.2 s; the run starts without one",
    ]);
    const rows = rowsOf(session);
    expect(rows.map((row) => row.event).slice(0, 3)).toEqual(["runner/started", "runner/notice", "runner/start-config"]);
    expect(rows[1]!.data).toEqual({ code: "no-renderer", message: "no renderer attached within 0.2 s; the run starts without one" });
  });

  it("Ctrl-C while waiting ends the run aborted before the chart started", async () => {
    const session = join(work, "interrupted-wait");
    const run = startCli(["run", "examples/hello", "--no-spawn", "--wait-for-renderer=0", "--session-dir", session]);
    await until(() => run.err().includes("waiting for a renderer to attach"), "the waiting line");
    await until(() => rowsOf(session).length > 0, "runner/started on disk");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(rowsOf(session).map((row) => row.event)).toEqual(["runner/started", "runner/done"]);
  });

  it.each([
    [["--no-tui", "--wait-for-renderer"], /--wait-for-renderer waits for a wire renderer: use it with --listen or --no-spawn/],
    [["--no-spawn", "--wait-for-renderer=soon"], /--wait-for-renderer takes seconds \(0 or more\), got "soon"/],
    [["--no-spawn", "--linger", "-1"], /--linger takes seconds \(0 or more\), got "-1"/],
  ])("%j is a usage error (exit 2)", async (flags, message) => {
    const run = startCli(["run", "examples/hello", "--session-dir", join(work, `bad-${flags.join("")}`), ...flags]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(message);
  });
});

describe("--linger", () => {
  it("after the run the server stays up while a renderer is attached: a renderer that reconnects still gets the end", async () => {
    const session = join(work, "linger");
    const run = startCli(["run", "examples/hello", "--no-spawn", "--wait-for-renderer=60", "--linger", "60", "--session-dir", session]);
    const info = await wireInfo(session);
    const first = await attach(info.url, info.token);
    const finished = await first.waitFor(isKind("run-finished"));
    // The renderer reconnects (a dropped connection, say) while a second one stays attached.
    const second = await attach(info.url, info.token, finished.seq);
    await second.waitFor(isKind("hello"));
    first.close();
    await first.closed;
    const again = await attach(info.url, info.token, 0);
    const replayed = await again.waitFor(isKind("run-finished"));
    expect(replayed.seq).toBe(finished.seq);
    expect(run.running()).toBe(true);
    // The last renderer going lets the core exit.
    second.close();
    again.close();
    expect(await run.exited).toBe(0);
  });

  it("--linger 0: the server closes with the run (code 1000) even with a renderer attached", async () => {
    const session = join(work, "no-linger");
    const run = startCli(["run", "examples/hello", "--no-spawn", "--wait-for-renderer=60", "--linger", "0", "--session-dir", session]);
    const info = await wireInfo(session);
    const client = await attach(info.url, info.token);
    await client.waitFor(isKind("run-finished"));
    expect((await client.closed).code).toBe(1000);
    expect(await run.exited).toBe(0);
  });
});

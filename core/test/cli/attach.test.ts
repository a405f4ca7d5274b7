/**
 * `escapement attach`: a session run by a worker (`startWorker`, in this process) on a throwaway
 * Postgres cluster, followed by the CLI in another process. Its model calls wait until the test
 * lets them go, so attach is there while the run goes on: the frames it serves arrive as the worker
 * writes the rows, in order, and are those `open` gives of the finished session; debugger control
 * sent to attach reaches the run on the worker through the session's inbox.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStreamFrame, PROTOCOL_MAJOR, type OutboundFrame, type StreamFrame } from "@escapement/wire-schema";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import type { ModelClient } from "../../src/llm/protocol.js";
import { startWorker, submitRun, type QueueWorker } from "../../src/pool/index.js";
import { diskStore, postgresStore, type SessionStore } from "../../src/store/index.js";
import { repo, runCli, scratch, startCli, type LiveCli } from "../examples/harness.js";
import { connect, type Client } from "../wire/harness.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";

const work = scratch("attach");
const chart = join(repo, "examples/artifacts");

type Proc = LiveCli;

const startAttach = (args: string[]): Proc => startCli(["attach", ...args], { cwd: work });

/** Resolves once `probe` holds, checking every 50 ms; fails after `ms` naming what it waited for. */
async function until(probe: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Model calls held per session until the test releases them. */
class HeldCalls {
  readonly calls = new Map<string, number>();
  readonly #released = new Set<string>();
  readonly #waiting = new Map<string, (() => void)[]>();

  release(sessionId: string): void {
    this.#released.add(sessionId);
    for (const go of this.#waiting.get(sessionId) ?? []) go();
    this.#waiting.delete(sessionId);
  }

  async wait(sessionId: string, signal: AbortSignal): Promise<void> {
    this.calls.set(sessionId, (this.calls.get(sessionId) ?? 0) + 1);
    if (this.#released.has(sessionId)) return;
    await new Promise<void>((go, fail) => {
      const list = this.#waiting.get(sessionId) ?? [];
      list.push(go);
      this.#waiting.set(sessionId, list);
      signal.addEventListener("abort", () => fail(signal.reason), { once: true });
    });
  }
}

/** The frames without what differs between two connections: nothing but the heartbeat's clock. */
const streamOf = (frames: readonly OutboundFrame[]): StreamFrame[] => frames.filter(isStreamFrame);

const wireInfoOf = (out: string): { url: string; token: string } => JSON.parse(out.split("\n")[0]!) as { url: string; token: string };

const openFrames = async (url: string, session: string): Promise<StreamFrame[]> => {
  const opened = await runCli(["open", session, "--store", url, "--emit-wire"], { cwd: work, deadlineMs: 30_000 });
  expect(opened.code, opened.stderr).toBe(0);
  return opened.stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as OutboundFrame)
    .filter(isStreamFrame);
};

describe.skipIf(!postgresAvailable())("escapement attach, following a worker's session in a Postgres store", () => {
  let cluster: Cluster;
  let worker: QueueWorker;
  let store: SessionStore;
  const held = new HeldCalls();
  const procs: Proc[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url });
  }, 120_000);

  /** The worker, started by the first test that needs one. */
  const ensureWorker = async (): Promise<void> => {
    if (worker) return;
    const cassette = await loadCassette(join(chart, "cassette.jsonl"), "artifacts");
    worker = await startWorker({
      store: cluster.url,
      cwd: work,
      concurrency: 2,
      model: ({ sessionId }): ModelClient => {
        const inner = new CassetteModel(cassette, { mode: "strict", timing: "instant" });
        return {
          assertAlias: (alias) => inner.assertAlias(alias),
          call: async (request, options) => {
            await held.wait(sessionId, options.signal);
            return inner.call(request, options);
          },
        };
      },
    });
  };

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const proc of procs) proc.child.kill("SIGKILL");
    await store?.close();
    await worker?.stop();
    cluster?.stop();
  });

  /** Submits a run and waits until its first model call is held (the session exists, the run is live). */
  const submitHeld = async (): Promise<string> => {
    await ensureWorker();
    const { sessionId } = await submitRun({ store: cluster.url, chart, cwd: work });
    await until(() => (held.calls.get(sessionId) ?? 0) >= 1, `the first model call of ${sessionId}`, 60_000);
    return sessionId;
  };

  /** Attaches a renderer to `attach --no-spawn`: `raw` holds every frame it is sent, as sent. */
  const attachOnWire = async (session: string, extra: string[] = []): Promise<{ proc: Proc; client: Client; raw: OutboundFrame[] }> => {
    const proc = startAttach([session, "--store", cluster.url, "--no-spawn", "--poll", "0.2", ...extra]);
    procs.push(proc);
    await until(() => proc.out().includes("\n"), `attach's URL and token\n${proc.err()}`, 30_000);
    const { url, token } = wireInfoOf(proc.out());
    const client = await connect(url);
    clients.push(client);
    const raw: OutboundFrame[] = [];
    client.ws.on("message", (data) => raw.push(JSON.parse(data.toString()) as OutboundFrame));
    client.attach(token);
    await client.waitFor((frame) => frame.kind === "hello");
    return { proc, client, raw };
  };

  it("waits for a submitted run no worker has started yet, then follows it to its end", { timeout: 120_000 }, async () => {
    expect(worker).toBeUndefined();
    const { sessionId: session } = await submitRun({ store: cluster.url, chart, cwd: work });
    const proc = startAttach([session, "--store", cluster.url, "--poll", "0.2"]);
    procs.push(proc);
    await until(() => proc.err().includes(`attach: session ${session} waits in the job queue`), `attach to wait\n${proc.err()}`, 30_000);
    await ensureWorker();
    await until(() => proc.err().includes("● started artifacts"), `the run's first row\n${proc.err()}`, 60_000);
    held.release(session);
    expect(await proc.exited, proc.err()).toBe(0);
    expect(proc.err()).toContain(`attach: session ${session} ended (done)`);
  });

  it("serves a running session's frames live, in order, until its end: the frames open gives of the finished session", { timeout: 120_000 }, async () => {
    const session = await submitHeld();
    const { proc, client, raw } = await attachOnWire(session);
    // The rows written so far, before the run goes on.
    await client.waitFor((frame) => frame.kind === "event" && frame.row.event === "llm/request", 20_000);
    expect(client.frames.some((frame) => frame.kind === "run-finished")).toBe(false);
    held.release(session);
    await client.waitFor((frame) => frame.kind === "run-finished", 60_000);
    // The renderer leaves: attach exits.
    client.close();
    expect(await proc.exited, proc.err()).toBe(0);
    expect(proc.err()).toContain(`attach: session ${session} ended (done)`);

    const live = streamOf(raw);
    expect(live.map((frame) => frame.seq)).toEqual(live.map((_, index) => index + 1));
    expect(live).toEqual(await openFrames(cluster.url, session));
  });

  it("shows an ended session whole, says so, and exits 0", { timeout: 60_000 }, async () => {
    const session = await submitHeld();
    held.release(session);
    await until(async () => (await store.manifest(session)).status === "done", `session ${session} to end`, 60_000);

    const headless = await runCli(["attach", session, "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(headless.code, headless.stderr).toBe(0);
    expect(headless.stderr).toContain(`attach: session ${session} already ended (done); showing it whole`);
    // The progress lines a live run prints, from its first row to its last.
    expect(headless.stderr).toMatch(/● started artifacts \(session /);
    expect(headless.stderr).toMatch(/● done in /);

    const { proc, client, raw } = await attachOnWire(session);
    await client.waitFor((frame) => frame.kind === "run-finished", 20_000);
    client.close();
    expect(await proc.exited, proc.err()).toBe(0);
    expect(streamOf(raw)).toEqual(await openFrames(cluster.url, session));
  });

  it("pauses and steps the worker's run from attach, through the session's inbox", { timeout: 120_000 }, async () => {
    const session = await submitHeld();
    const { proc, client } = await attachOnWire(session);
    await client.waitFor((frame) => frame.kind === "event" && frame.row.event === "llm/request", 20_000);
    client.send({ v: PROTOCOL_MAJOR, kind: "control", id: "p1", action: "pause" });
    await client.waitFor((frame) => frame.kind === "debug" && frame.paused === true, 20_000);
    // Paused: the model's answer reaches the chart only when a step lets it through.
    held.release(session);
    const before = client.frames.length;
    client.send({ v: PROTOCOL_MAJOR, kind: "control", id: "s1", action: "step" });
    await client.waitFor((frame) => frame.kind === "debug" && frame.paused === true && /step done/.test(String(frame.reason)), 30_000, before);
    expect(client.frames.some((frame) => frame.kind === "run-finished")).toBe(false);
    // A pause while paused is refused here, as the run's own wire server refuses it.
    client.send({ v: PROTOCOL_MAJOR, kind: "control", id: "p2", action: "pause" });
    const refused = await client.waitFor((frame) => frame.kind === "error" && frame.inReplyTo === "p2");
    expect(refused).toMatchObject({ code: "invalid-control" });
    client.send({ v: PROTOCOL_MAJOR, kind: "control", id: "c1", action: "continue" });
    await client.waitFor((frame) => frame.kind === "run-finished", 60_000);
    client.close();
    expect(await proc.exited, proc.err()).toBe(0);

    const debugRows: string[] = [];
    for await (const row of store.rows(session)) if (row.event.startsWith("debug/")) debugRows.push(row.event);
    expect(debugRows).toEqual(["debug/paused", "debug/step", "debug/paused", "debug/resumed", "debug/mode"]);
    expect((await store.manifest(session)).status).toBe("done");
  });

  it("refuses an answer for a prompt that is not open, posting nothing to the inbox", { timeout: 60_000 }, async () => {
    const session = await submitHeld();
    const { client } = await attachOnWire(session);
    await client.waitFor((frame) => frame.kind === "event" && frame.row.event === "llm/request", 20_000);
    client.send({ v: PROTOCOL_MAJOR, kind: "answer", id: "a1", promptId: "nope", value: "x" });
    const refused = await client.waitFor((frame) => frame.kind === "error" && frame.inReplyTo === "a1");
    expect(refused).toMatchObject({ code: "unknown-prompt" });
    expect(await store.inbox!.read(session, 0)).toEqual([]);
    held.release(session);
    await client.waitFor((frame) => frame.kind === "run-finished", 60_000);
    client.close();
  });

  it("refuses an unknown session, an unreachable store and a memory store with one line and exit 2", { timeout: 60_000 }, async () => {
    const unknown = await runCli(["attach", "no-such-session", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no session "no-such-session" in the Postgres store/);

    const gone = join(work, "no-server");
    mkdirSync(gone, { recursive: true });
    const unreachable = await runCli(["attach", "s", "--store", `postgresql://escapement:secret@/postgres?host=${encodeURIComponent(gone)}&port=1`], {
      cwd: work,
      deadlineMs: 30_000,
    });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr.trim().split("\n")).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/^escapement: cannot use the Postgres store at /);
    expect(unreachable.stderr).not.toContain("secret");

    const memory = await runCli(["attach", "s", "--store", "memory"], { cwd: work, deadlineMs: 30_000 });
    expect(memory.code).toBe(2);
    expect(memory.stderr.trim().split("\n")).toHaveLength(1);
    expect(memory.stderr).toMatch(/memory store/);
  });

  it("follows a session on disk too, showing it without its inbox", { timeout: 60_000 }, async () => {
    // A finished session on disk, copied out of the Postgres store.
    const session = await submitHeld();
    held.release(session);
    await until(async () => (await store.manifest(session)).status === "done", `session ${session} to end`, 60_000);
    const root = join(work, ".escapement");
    const disk = diskStore({ root, cwd: work });
    const files = [];
    for await (const file of store.files(session)) files.push(file);
    await disk.put(await store.manifest(session), files);

    const attached = await runCli(["attach", session, "--store", "disk"], { cwd: work, deadlineMs: 30_000 });
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stderr).toContain(`already ended (done)`);
    expect(attached.stderr).toMatch(/● done in /);
  });
});

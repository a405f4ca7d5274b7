/**
 * Resuming a session from the store that holds it, on every store: a run stopped mid-way (its
 * host interrupted it, or its writer was cut off as by a kill) is resumed from the same store to
 * `done`. The chart goes through the same events and leaves the same artifacts as an uninterrupted
 * run, no model call is made twice (the answer the cassette kept is used), seq stays gap-free, and
 * the transcript is the one a resume on disk writes (ids and times normalised).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import artifactsChart from "../../../examples/artifacts/chart.js";
import { diskStore, memoryStore, run, type SessionStore } from "../../src/index.js";
import { RunInterruption } from "../../src/engine/run-interruption.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import type { ModelClient } from "../../src/llm/protocol.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { postgresStore } from "../../src/store/index.js";
import { killable } from "./killable-store.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";
import { repo, talkChart } from "../lib/helpers.js";

const made: string[] = [];
const opened: SessionStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

let cluster: Cluster | undefined;
let schemas = 0;
beforeAll(() => {
  if (postgresAvailable()) cluster = startCluster();
});
afterAll(() => cluster?.stop());

const stores: Record<string, () => Promise<SessionStore>> = {
  memory: async () => memoryStore(),
  "memory (acknowledging later)": async () => memoryStore({ acknowledge: "later" }),
  ...(postgresAvailable()
    ? {
        postgres: async () => {
          const store = await postgresStore({ url: cluster!.url, schema: `resume_${++schemas}` });
          opened.push(store);
          return store;
        },
      }
    : {}),
};

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/**
 * The example's cassette behind a model that counts the calls it makes; `before` is told the
 * number of each call before it is made, and may stop it (returning an error) so it is never made.
 */
const counted = async (before?: (call: number) => Error | undefined): Promise<{ model: ModelClient; calls: () => number }> => {
  const inner = new CassetteModel(await loadCassette(join(repo, "examples/artifacts/cassette.jsonl"), "artifacts"), { mode: "strict", timing: "instant" });
  let calls = 0;
  return {
    calls: () => calls,
    model: {
      assertAlias: (alias) => inner.assertAlias(alias),
      call: (request, options) => {
        const stopped = before?.(calls + 1);
        if (stopped) return Promise.reject(stopped);
        calls++;
        return inner.call(request, options);
      },
    },
  };
};

const timed = new Set(["ts", "elapsedMs", "ttftMs", "durationMs", "tokensPerSec"]);
const normalised = (rows: readonly TranscriptRow[]): unknown => JSON.parse(JSON.stringify(rows, (key, value: unknown) => (timed.has(key) ? undefined : value)));

/** What the chart went through: each event it processed and the states it was in after. */
const chartSteps = (rows: readonly TranscriptRow[]) =>
  rows
    .filter((row) => row.event === "runner/event-processed")
    .map((row) => ({ event: (row.data as { event: string }).event, after: (row.data as { after: string[] }).after }));

const SESSION = "resume-session-1";

/** An uninterrupted run on a memory store: the reference. */
async function uninterrupted() {
  const store = memoryStore();
  const { model, calls } = await counted();
  const outcome = await run({ chart: artifactsChart, model, store, ids: sequentialIds("resume"), workDir: scratch("escapement-resume-work-") });
  expect(outcome.status).toBe("done");
  return {
    rows: await collect(store.rows(SESSION)),
    calls: calls(),
    draft: await store.artifact(SESSION, "draft"),
    critique: await store.artifact(SESSION, "critique"),
  };
}

/** Resumes the session from `store` (the id; a directory for the disk store) to its end. */
async function resume(store: SessionStore, target: string, workDir: string) {
  const { model, calls } = await counted();
  const outcome = await run({ chart: artifactsChart, model, store, resume: target, ids: sequentialIds("resumed"), workDir });
  return { outcome, calls: calls() };
}

/**
 * Interrupts a run as its host going away does (the session is left `interrupted`) as the second
 * model call is about to be made: its request is stored, the call is never made. Returns the calls made.
 */
async function interrupt(store: SessionStore, workDir: string): Promise<number> {
  const host = new AbortController();
  const { model, calls } = await counted((call) => {
    if (call < 2) return undefined;
    host.abort(new RunInterruption("the host went away"));
    return new Error("the host went away");
  });
  const stopped = await run({ chart: artifactsChart, model, store, ids: sequentialIds("resume"), workDir, signal: host.signal });
  expect(stopped.status).toBe("aborted");
  return calls();
}

async function interruptAndResume(store: SessionStore, target: string) {
  const workDir = scratch("escapement-resume-work-");
  const calls = await interrupt(store, workDir);
  const key = await store.locate(target);
  expect(await store.manifest(key)).toMatchObject({ status: "interrupted" });
  const second = await resume(store, target, workDir);
  return { key, outcome: second.outcome, calls: calls + second.calls };
}

/** Checks what every resumed session must hold against the uninterrupted run. */
async function expectResumedLike(store: SessionStore, key: string, reference: Awaited<ReturnType<typeof uninterrupted>>) {
  const rows = await collect(store.rows(key));
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows.filter((row) => row.event === "runner/started")).toHaveLength(2);
  expect(rows.some((row) => row.event === "runner/resumed")).toBe(true);
  expect(chartSteps(rows)).toEqual(chartSteps(reference.rows));
  expect(await store.artifact(key, "draft")).toEqual(reference.draft);
  expect(await store.artifact(key, "critique")).toEqual(reference.critique);
  expect(await store.manifest(key)).toMatchObject({ status: "done" });
  return rows;
}

describe.each(Object.entries(stores))("resume from the %s store", (_name, open) => {
  it("continues a run its host interrupted to done, as a resume on disk does, calling the model no more than once per turn", async () => {
    const reference = await uninterrupted();
    expect(reference.calls).toBe(2);
    const store = await open();
    const resumed = await interruptAndResume(store, SESSION);
    expect(resumed.outcome).toMatchObject({ status: "done", finalConfig: ["done"], sessionId: SESSION });
    expect(resumed.calls).toBe(reference.calls);
    const rows = await expectResumedLike(store, resumed.key, reference);

    // The same on disk: the same rows, byte for byte once times are taken out.
    const root = scratch("escapement-resume-disk-");
    const disk = diskStore({ root, cwd: root });
    const onDisk = await interruptAndResume(disk, join(root, SESSION));
    expect(onDisk.outcome.status).toBe("done");
    const diskRows = readFileSync(join(root, SESSION, "transcript.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptRow);
    expect(normalised(rows)).toEqual(normalised(diskRows));
  });

  it("continues a run cut off as by a kill, using the answer its cassette kept instead of paying for it again", async () => {
    const reference = await uninterrupted();
    const store = await open();
    // Cut off right after the first answer reached the cassette: its response row never did.
    const cut = killable(store, (text) => text.includes('"kind":"call"'));
    const workDir = scratch("escapement-resume-work-");
    const first = await counted();
    const dead = run({ chart: artifactsChart, model: first.model, store: cut.store, ids: sequentialIds("resume"), workDir });
    dead.catch(() => {});
    await cut.killed;
    // What the dead run left: still running, its last rows before the answer.
    expect(await store.manifest(SESSION)).toMatchObject({ status: "running" });
    const left = await collect(store.rows(SESSION));
    expect(left.some((row) => row.event === "llm/response")).toBe(false);
    expect(left.some((row) => row.event === "llm/request")).toBe(true);

    const second = await resume(store, SESSION, workDir);
    expect(second.outcome).toMatchObject({ status: "done", finalConfig: ["done"], sessionId: SESSION });
    // The first answer came from the cassette: two calls in all, as without the kill.
    expect(first.calls() + second.calls).toBe(reference.calls);
    const rows = await expectResumedLike(store, SESSION, reference);
    expect(rows.filter((row) => row.event === "llm/response")).toHaveLength(2);
    // The rows the dead run wrote after its last checkpoint are kept aside, as on disk.
    const files = (await collect(store.files(SESSION))).map((file) => file.path);
    expect(files.filter((path) => path.startsWith("orphaned-after-"))).toHaveLength(1);
  });

  it("refuses a finished session, one the store does not hold, and another chart's, in one line", async () => {
    const store = await open();
    const { model } = await counted();
    await run({ chart: artifactsChart, model, store, ids: sequentialIds("resume"), workDir: scratch("escapement-resume-work-") });
    await expect(resume(store, SESSION, scratch("escapement-resume-work-"))).rejects.toThrow(
      `session ${SESSION} already finished (status done); nothing to resume`,
    );
    await expect(resume(store, "no-such-session", scratch("escapement-resume-work-"))).rejects.toThrow(/^no session "no-such-session" in the/);
    const interrupted = await open();
    await interrupt(interrupted, scratch("escapement-resume-work-"));
    await expect(run({ chart: talkChart(), model, store: interrupted, resume: SESSION })).rejects.toThrow(
      `session ${SESSION} ran chart "artifacts", not "talk"`,
    );
  });

  it("reports a checkpoint changed since it was written, and goes on from it", async () => {
    const source = memoryStore();
    await interrupt(source, scratch("escapement-resume-work-"));
    // The session as another store got it, its checkpoint's context changed.
    const files = (await collect(source.files(SESSION))).map((file) =>
      file.path === "checkpoints.jsonl"
        ? { ...file, bytes: Buffer.from(Buffer.from(file.bytes).toString("utf8").replace('"topic":"why', '"topic":"how')) }
        : file,
    );
    const store = await open();
    await store.put(await source.manifest(SESSION), files);
    const { outcome } = await resume(store, SESSION, scratch("escapement-resume-work-"));
    expect(outcome.status).toBe("done");
    const notices = (await collect(store.rows(SESSION))).filter((row) => row.event === "runner/notice").map((row) => row.data as { code: string });
    expect(notices.map((notice) => notice.code)).toEqual(["state-diverged"]);
    expect(JSON.stringify(notices[0])).toContain("how statecharts make agents predictable");
  });

  it("refuses a session whose transcript no longer reaches its checkpoint, changing nothing", async () => {
    const source = memoryStore();
    await interrupt(source, scratch("escapement-resume-work-"));
    // The session as another store got it, its transcript cut short of the checkpoint.
    const files = (await collect(source.files(SESSION))).map((file) =>
      file.path === "transcript.jsonl" ? { ...file, bytes: file.bytes.subarray(0, 40) } : file,
    );
    const store = await open();
    await store.put(await source.manifest(SESSION), files);
    await expect(resume(store, SESSION, scratch("escapement-resume-work-"))).rejects.toThrow(
      new RegExp(
        `^session ${SESSION} cannot be resumed from its checkpoint at seq \\d+: it points at byte \\d+, past the end of ${store.location(SESSION)}/transcript.jsonl \\(40 bytes\\)$`,
      ),
    );
    expect(await store.manifest(SESSION)).toMatchObject({ status: "interrupted" });
    expect((await collect(store.files(SESSION))).map((file) => file.path)).toEqual(files.map((file) => file.path));
  });
});

describe.skipIf(!postgresAvailable())("one run at a time per Postgres session", () => {
  it("refuses to resume a session another process is running; its end frees it", async () => {
    const url = cluster!.url;
    const schema = `claims_${++schemas}`;
    // Two stores, two connections: as two processes would hold them.
    const first = await postgresStore({ url, schema });
    const second = await postgresStore({ url, schema });
    opened.push(first, second);
    const workDir = scratch("escapement-claims-work-");
    const session = "claims-session-1";

    // The first run's second model call waits until the test lets it go: the run is live meanwhile.
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let atSecondCall!: () => void;
    const reached = new Promise<void>((resolve) => (atSecondCall = resolve));
    const inner = await counted();
    const gated: ModelClient = {
      assertAlias: (alias) => inner.model.assertAlias(alias),
      call: async (request, options) => {
        if (inner.calls() === 1) {
          atSecondCall();
          await gate;
        }
        return inner.model.call(request, options);
      },
    };
    const host = new AbortController();
    const running = run({ chart: artifactsChart, model: gated, store: first, ids: sequentialIds("claims"), workDir, signal: host.signal });
    await reached;

    // Any process sees it live, by its claim.
    expect(await second.liveRun(session)).toMatchObject({ where: "postgres", pid: expect.any(Number) });

    // Another process tries to resume it: refused in one line, nothing changed.
    const rowsBefore = (await collect(second.rows(session))).length;
    const refused = await run({ chart: artifactsChart, model: (await counted()).model, store: second, resume: session, workDir }).catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: "session-live", message: expect.stringContaining(`session ${session} is being run by another process`) });
    expect((await collect(second.rows(session))).length).toBe(rowsBefore);

    // The first run is interrupted: its session is free, and the other process resumes it to its end.
    host.abort(new RunInterruption("the host went away"));
    letGo();
    expect((await running).status).toBe("aborted");
    expect(await second.liveRun(session)).toBeUndefined();
    const resumed = await run({ chart: artifactsChart, model: (await counted()).model, store: second, resume: session, workDir });
    expect(resumed.status).toBe("done");
    expect(await second.liveRun(session)).toBeUndefined();
  });
});

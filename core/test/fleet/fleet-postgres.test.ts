/**
 * Fleets on the Postgres store: each child is a session of the store (`<parent>/children/<id>`),
 * listed under its parent only. A run SIGKILLed mid-fleet resumes through the store as one on disk
 * does (finished children keep their outcome, running ones resume from their checkpoints, every
 * model call answered once); the flagship example, whose fleets run poets and judges, runs on a
 * worker taking it from the job queue.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { postgresStore, type SessionStore } from "../../src/store/index.js";
import { killAtMarker, repo, resultOf, runCli, scratch, startCli } from "../examples/harness.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";
import { collect, until } from "../support/waiting.js";

const work = scratch("fleet-postgres");
const squad = "core/test/fleet/fixtures/squad";
const crew = ["crew-1", "crew-2", "crew-3", "crew-4"];

const turnsOf = (rows: readonly TranscriptRow[], event: string) =>
  rows.filter((row) => row.event === event).map((row) => `${(row.data as { invokeId: string }).invokeId}#${(row.data as { turn: number }).turn}`);

function expectGapFree(rows: readonly TranscriptRow[]): void {
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done" } });
}

describe.skipIf(!postgresAvailable())("fleets on the Postgres store", () => {
  let cluster: Cluster;
  let store: SessionStore;
  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url });
  });
  afterAll(async () => {
    await store?.close();
    cluster?.stop();
  });

  it("a run killed mid-fleet resumes through the store; each child is a session listed under its parent", { timeout: 120_000 }, async () => {
    await killAtMarker(["run", squad, "--no-tui", "--store", cluster.url], "crew-2/worker turn 3:", { deadlineMs: 60_000 });
    const [id] = await store.list();
    expect(id).toBeDefined();
    expect((await store.manifest(id!)).status).toBe("running");
    const before = await store.children(id!);
    expect(before.length).toBeGreaterThan(0);

    const resumed = await runCli(["run", "--resume", id!, "--store", cluster.url, "--no-tui"], { deadlineMs: 60_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resultOf(resumed)).toMatchObject({ status: "done", finalConfig: ["done"] });
    expect(new TextDecoder().decode(await store.artifact(id!, "sum.txt"))).toBe("20 from crew-1:done,crew-2:done,crew-3:done,crew-4:done\n");

    // Children are the parent's: not among the store's sessions, each its own session under the parent's key.
    expect(await store.list()).toEqual([id]);
    expect(await store.children(id!)).toEqual(crew);
    const parent = await collect(store.rows(id!));
    expectGapFree(parent);
    expect(
      turnsOf(
        parent.filter((row) => !(row.data as { childSessionId?: string }).childSessionId),
        "llm/response",
      ),
    ).toEqual(["lead#1"]);
    for (const child of crew) {
      const key = `${id}/children/${child}`;
      expect(await store.manifest(key)).toMatchObject({ sessionId: child, status: "done", parentSessionId: id });
      const rows = await collect(store.rows(key));
      expectGapFree(rows);
      // Every turn answered once; a request the kill cut off was issued again and marked.
      expect(turnsOf(rows, "llm/response")).toEqual(["worker#1", "worker#2", "worker#3"]);
      const requests = turnsOf(rows, "llm/request");
      for (const turn of turnsOf(rows, "llm/turn-interrupted")) requests.splice(requests.indexOf(turn), 1);
      expect(requests).toEqual(["worker#1", "worker#2", "worker#3"]);
    }

    // A mirrored row's ref names the child's blob from the parent, as in a session directory.
    const mirrored = parent.find((row) => /^children\/[^/]+\/io\.jsonl#/.test(String((row.data as { ref?: unknown }).ref)));
    expect(mirrored).toBeDefined();
    const ref = (mirrored!.data as { ref: string }).ref;
    const inChild = await store.blob(`${id}/children/${ref.split("/")[1]}`, ref.split("/").slice(2).join("/"));
    expect(inChild).toBeDefined();
    expect(await store.blob(id!, ref)).toBe(inChild);

    // One child is read by its key; an export carries the children, and an import into a directory lays them out as a run on disk does.
    const shown = await runCli(["show", `${id}/children/crew-2`, "--store", cluster.url], { deadlineMs: 30_000 });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("runner/done");
    // A child-started row's ref names the child session. (Which children have one depends on where
    // the kill landed: a child that finished after the parent's last checkpoint is recovered, its
    // start row set aside with the rest of what followed that checkpoint.)
    const started = parent.find((row) => row.event === "session/child-started");
    const child = (started!.data as { childSessionId: string }).childSessionId;
    const parentShown = await runCli(["show", id!, "--content", "--store", cluster.url], { deadlineMs: 30_000 });
    expect(parentShown.code, parentShown.stderr).toBe(0);
    expect(parentShown.stdout).toContain(
      `(children/${child}: child session ${child} (chart worker, status done); its rows: escapement show ${id}/children/${child})`,
    );
    const archive = join(work, "family.escapement-session.jsonl");
    const exported = await runCli(["export", id!, "--store", cluster.url, "-o", archive], { deadlineMs: 30_000 });
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await runCli(["import", archive], { cwd: work, deadlineMs: 30_000 });
    expect(imported.code, imported.stderr).toBe(0);
    expect(readdirSync(join(work, ".escapement", id!, "children")).sort()).toEqual(crew);
    const replayed = await runCli(["open", id!, "--emit-wire"], { cwd: work, deadlineMs: 30_000 });
    expect(replayed.code, replayed.stderr).toBe(0);

    // `escapement list` shows the parent alone; deleting it deletes its children.
    const listed = await runCli(["list", "--store", cluster.url], { deadlineMs: 30_000 });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain("crew-1");
    await store.delete(id!);
    expect(await store.children(id!)).toEqual([]);
    await expect(store.manifest(`${id}/children/crew-1`)).rejects.toThrow(/no session/);
  });

  it("the flagship example, with its fleets of poets and judges, runs on a worker", { timeout: 120_000 }, async () => {
    const submitted = await runCli(["submit", join(repo, "examples/haiku-tournament"), "--store", cluster.url], { cwd: repo, deadlineMs: 30_000 });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    const worker = startCli(["worker", "--store", cluster.url], { cwd: repo });
    try {
      await until(
        async () => (await store.manifest(id).catch(() => undefined))?.status === "done",
        () => `session ${id} done\n${worker.err()}`,
        90_000,
      );
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
    const rows = await collect(store.rows(id));
    expectGapFree(rows);
    const children = await store.children(id);
    expect(children.filter((name) => name.startsWith("poets-")).length).toBeGreaterThan(0);
    expect(children.filter((name) => name.startsWith("judges-")).length).toBeGreaterThan(0);
    for (const child of children) expect((await store.manifest(`${id}/children/${child}`)).status, child).toBe("done");
    expect(await store.artifacts(id)).toContain("winner.md");
  });
});

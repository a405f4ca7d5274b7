/**
 * `--store` on the command line: `run --store memory` writes no session and says so, a run goes
 * into Postgres and out again with export and import, an unreachable Postgres is one line (exit 2),
 * and the session commands read the store they are given.
 */
import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo, runCli, scratch } from "../examples/harness.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";

const work = scratch("store-flag");

describe("--store", () => {
  it("run --store memory finishes the run, writes no session, and says the session is gone at exit", async () => {
    const cwd = join(work, "memory-run");
    mkdirSync(cwd, { recursive: true });
    const run = await runCli(["run", join(repo, "examples/artifacts"), "--no-tui", "--store", "memory"], { cwd, deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { status: string; sessionDir: string; sessionId: string };
    expect(result.status).toBe("done");
    expect(result.sessionDir).toBe(`memory:${result.sessionId}`);
    expect(run.stderr).toContain("store: memory (the session lives in this process only and is gone when it exits");
    expect(existsSync(join(cwd, ".escapement"))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("refuses an unreachable postgres:// store in one line with exit 2, its password hidden, before anything is written", async () => {
    const cwd = join(work, "postgres");
    mkdirSync(cwd, { recursive: true });
    for (const args of [
      ["run", join(repo, "examples/artifacts"), "--no-tui", "--store", "postgres://user:hunter2@127.0.0.1:1/escapement"],
      ["list", "--store", "postgres://user:hunter2@127.0.0.1:1/escapement"],
    ]) {
      const run = await runCli(args, { cwd });
      expect(run.code, args.join(" ")).toBe(2);
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^escapement: cannot use the Postgres store at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/escapement: /);
      expect(run.stderr).not.toContain("hunter2");
      expect(existsSync(join(cwd, ".escapement"))).toBe(false);
    }
    const unknown = await runCli(["list", "--store", "sqlite"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--store expects disk, memory or a postgres:// URL, got "sqlite"');
  });

  it("the session commands see an empty memory store", async () => {
    const cwd = join(work, "headless");
    cpSync(join(repo, "examples/artifacts"), cwd, { recursive: true });
    const list = await runCli(["list", "--store", "memory"], { cwd });
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("no sessions in memory\n");
    const show = await runCli(["show", "some-id", "--store", "memory"], { cwd });
    expect(show.code).toBe(2);
    expect(show.stderr.trim()).toBe('escapement: no session "some-id" in the memory store');
  });
});

describe.skipIf(!postgresAvailable())("--store postgres://", () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => cluster?.stop());

  it("runs a chart into Postgres, lists and shows it there, and moves it to disk with export and import", async () => {
    const cwd = join(work, "postgres-run");
    mkdirSync(cwd, { recursive: true });
    const run = await runCli(["run", join(repo, "examples/artifacts"), "--no-tui", "--store", cluster.url], { cwd, deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { status: string; sessionDir: string; sessionId: string };
    expect(result).toMatchObject({ status: "done", sessionDir: `postgres:${result.sessionId}` });
    expect(existsSync(join(cwd, ".escapement"))).toBe(false);

    const list = await runCli(["list", "--json", "--store", cluster.url], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { sessions: Array<{ sessionId: string; status: string; turns: number }> }).sessions).toEqual([
      expect.objectContaining({ sessionId: result.sessionId, status: "done", turns: 2 }),
    ]);
    const show = await runCli(["show", result.sessionId, "--content", "--store", cluster.url], { cwd });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain("artifact/captured");
    expect(show.stdout).toContain("Write one paragraph on why statecharts make agents predictable.");

    const exported = await runCli(["export", result.sessionId, "-o", "s.jsonl", "--store", cluster.url], { cwd });
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await runCli(["import", "s.jsonl"], { cwd });
    expect(imported.code, imported.stderr).toBe(0);
    const stats = await runCli(["stats", result.sessionId, "--json"], { cwd });
    const statsPg = await runCli(["stats", result.sessionId, "--json", "--store", cluster.url], { cwd });
    expect(JSON.parse(stats.stdout)).toEqual(JSON.parse(statsPg.stdout));
    expect(JSON.parse(stats.stdout)).toMatchObject({ status: "done", artifacts: ["draft", "critique"] });

    // open replays it from Postgres as from disk: the same wire frames, and no copy left behind.
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith("escapement-open-")).length;
    const fromPg = await runCli(["open", result.sessionId, "--emit-wire", "--store", cluster.url], { cwd });
    expect(fromPg.code, fromPg.stderr).toBe(0);
    const fromDisk = await runCli(["open", result.sessionId, "--emit-wire"], { cwd });
    expect(fromPg.stdout).toBe(fromDisk.stdout);
    expect(fromPg.stdout.split("\n").filter(Boolean).length).toBeGreaterThan(10);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith("escapement-open-")).length).toBe(before);
    const missing = await runCli(["open", "no-such-session", "--emit-wire", "--store", cluster.url], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);

    // delete removes it from Postgres (nobody runs it now); the disk copy stays.
    const deleted = await runCli(["delete", result.sessionId, "--yes", "--store", cluster.url], { cwd });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe(`deleted postgres:${result.sessionId}`);
    const after = await runCli(["list", "--json", "--store", cluster.url], { cwd });
    expect((JSON.parse(after.stdout) as { sessions: unknown[] }).sessions).toEqual([]);
    expect((await runCli(["stats", result.sessionId, "--json"], { cwd })).code).toBe(0);
  });
});

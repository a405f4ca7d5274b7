/**
 * `escapement attach` in a real terminal: a worker (another process) runs a session into a
 * throwaway Postgres cluster, its model answering only once the test lets it; attach shows the run
 * live in the terminal UI, and quitting it leaves the run alone: the run goes on to `done`, and a
 * second attach shows the ended session whole.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore, type SessionStore } from "../../core/src/store/index.js";
import { postgresAvailable, startCluster, type Cluster } from "../../core/test/store/postgres-cluster.js";
import { hasTmux, killPanes, openPane, until } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-attach-tui-"));
const release = join(work, "release");

/** A worker whose model answers each call from the artifacts example's cassette once `release` exists; "ready" once it takes jobs. */
const workerProgram = (url: string): string => `
import { existsSync } from "node:fs";
import { startWorker } from ${JSON.stringify(join(repo, "core/dist/index.js"))};
import { CassetteModel, loadCassette } from ${JSON.stringify(join(repo, "core/dist/llm/cassette/index.js"))};

const cassette = await loadCassette(${JSON.stringify(join(repo, "examples/artifacts/cassette.jsonl"))}, "artifacts");
const released = async (signal) => {
  while (!existsSync(${JSON.stringify(release)})) {
    if (signal.aborted) throw signal.reason;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const worker = await startWorker({
  store: ${JSON.stringify(url)},
  model: () => {
    const inner = new CassetteModel(cassette, { mode: "strict", timing: "instant" });
    return {
      assertAlias: (alias) => inner.assertAlias(alias),
      call: async (request, options) => {
        console.log("calling");
        await released(options.signal);
        return inner.call(request, options);
      },
    };
  },
});
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
console.log("ready");
`;

describe.skipIf(!hasTmux || !postgresAvailable())("escapement attach in the terminal UI", () => {
  let cluster: Cluster;
  let store: SessionStore;
  let worker: ChildProcess;
  let out = "";
  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url });
    const program = join(work, "worker.mjs");
    writeFileSync(program, workerProgram(cluster.url));
    worker = spawn(process.execPath, [program], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    worker.stdout!.on("data", (chunk) => (out += chunk));
    worker.stderr!.on("data", (chunk) => (out += chunk));
    await until(() => out.includes("ready"), `the worker to start\n${out}`, 60_000);
  }, 90_000);
  afterAll(async () => {
    killPanes();
    worker?.kill("SIGKILL");
    await store?.close();
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("shows the worker's run live; quitting leaves the run alone, and an ended session is shown whole", async () => {
    const submitted = spawn(process.execPath, [cli, "submit", join(repo, "examples/artifacts"), "--store", cluster.url], { cwd: work });
    let session = "";
    submitted.stdout!.on("data", (chunk) => (session += chunk));
    await new Promise((done) => submitted.on("exit", done));
    session = session.trim();
    expect(session).toMatch(/^\d{8}-\d{6}-/);
    await until(() => out.includes("calling"), `the run's first model call\n${out}`, 60_000);

    const pane = openPane("attach", { cwd: work, width: 120, height: 40 });
    pane.run(`node ${cli} attach ${session} --store '${cluster.url}'; echo EXIT=$?`);
    // The run so far, from the store: its chart and the state it is in.
    await pane.waitForScreen("artifacts", "the attached session's chart", 30_000);
    await pane.waitForScreen("writing", "the state the run is in", 30_000);
    expect(pane.screen()).not.toMatch(/\bdone\b/);
    // Quit while the run is live (the UI asks first).
    pane.keys("C-c");
    pane.keys("y");
    await pane.waitForScreen("EXIT=0", "attach's exit code", 30_000);
    expect(pane.format("#{alternate_on}")).toBe("0");

    // The run went on without it.
    expect((await store.manifest(session)).status).toBe("running");
    writeFileSync(release, "");
    await until(() => existsSync(release), "the release file");
    const ended = async () => (await store.manifest(session)).status === "done";
    for (let tries = 0; !(await ended()); tries++) {
      if (tries > 600) throw new Error(`session ${session} did not end\n${out}`);
      await new Promise((done) => setTimeout(done, 50));
    }

    pane.run("clear");
    pane.run(`node ${cli} attach ${session} --store '${cluster.url}'; echo EXIT=$?`);
    await pane.waitForScreen(/\bdone\b/, "the ended run's outcome", 30_000);
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "attach's exit code", 30_000);
    expect(pane.screen()).toContain(`attach: session ${session} already ended (done); showing it whole`);
  }, 150_000);
});

/**
 * Renderers of a session kept in a store without directories, through the CLI: `run --store memory
 * --listen` and `run --store postgres://… --listen` serve the run to a WebSocket renderer that
 * reads full requests and artifacts with `read-blob` and gets the bytes the same run writes on
 * disk; `attach --store postgres://… --no-spawn` answers `read-blob` from the store too.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRef, type OutboundFrame } from "@escapement/wire-schema";
import { repo, runCli, scratch, startCli, type LiveCli } from "../examples/harness.js";
import { connect, isKind, type Client } from "../wire/harness.js";
import { until } from "../wire/until.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";

const work = scratch("store-render");
const chart = join(repo, "examples/artifacts");

const procs: LiveCli[] = [];
const clients: Client[] = [];
afterAll(() => {
  for (const client of clients) client.ws.terminate();
  for (const proc of procs) if (proc.running()) proc.child.kill("SIGKILL");
});

/** The same chart run on disk: its session directory, and the refs its rows carry. */
let disk: { dir: string; requestRef: string } | undefined;
async function diskSession(): Promise<{ dir: string; requestRef: string }> {
  if (disk) return disk;
  const dir = join(work, "disk-session");
  const run = await runCli(["run", chart, "--no-tui", "--session-dir", dir], { cwd: work, deadlineMs: 30_000 });
  expect(run.code, run.stderr).toBe(0);
  const rows = readFileSync(join(dir, "transcript.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { event: string; data: { ref?: string } });
  disk = { dir, requestRef: rows.find((row) => row.event === "llm/request")!.data.ref! };
  return disk;
}

/** The bytes a ref names in the disk session. */
const diskBytes = (dir: string, ref: string): Buffer => {
  const { path, range } = parseRef(ref);
  const file = readFileSync(join(dir, path));
  return range ? file.subarray(range.offset, range.offset + range.length) : file;
};

let reads = 0;
/** read-blob, its chunks joined; fails on an error frame. */
async function readBlob(c: Client, ref: string): Promise<Buffer> {
  const id = `r-${++reads}`;
  c.send({ v: 1, kind: "read-blob", id, ref });
  await c.waitFor((frame) => (frame.kind === "blob" && frame.inReplyTo === id && frame.last) || (frame.kind === "error" && frame.inReplyTo === id), 20_000);
  expect(c.frames.find(isKind("error", (frame) => frame.inReplyTo === id))).toBeUndefined();
  const chunks = c.frames.filter(isKind("blob", (frame) => frame.inReplyTo === id)) as Extract<OutboundFrame, { kind: "blob" }>[];
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data, "base64")));
}

/** `wire: <url> (token in <path>)` on the run's stderr: a client attached with the token that file holds. */
async function attachFromStderr(run: LiveCli): Promise<{ client: Client; wireJson: string }> {
  const said = await until(() => /^wire: (ws:\/\/\S+) \(token in (.+)\)$/m.exec(run.err()) ?? undefined, "the wire line on stderr", 30_000);
  const wireJson = said[2]!;
  const info = JSON.parse(readFileSync(wireJson, "utf8")) as { url: string; token: string };
  expect(info.url).toBe(said[1]);
  const client = await connect(info.url);
  clients.push(client);
  client.attach(info.token);
  return { client, wireJson };
}

/** Serves `run <chart> --store <store> --listen`, reads the first request and the draft over the wire: the disk run's bytes. */
async function servesBlobs(store: string, cwd: string): Promise<void> {
  const { dir, requestRef } = await diskSession();
  const run = startCli(["run", chart, "--no-tui", "--listen", "127.0.0.1:0", "--wait-for-renderer", "--linger", "30", "--store", store], { cwd });
  procs.push(run);
  const { client, wireJson } = await attachFromStderr(run);
  // The session is in the store: its local files are in a private directory of the temp dir, not in the project.
  expect(dirname(wireJson)).toMatch(/escapement-[^/]+-\w{6}$/);
  expect(existsSync(join(cwd, ".escapement"))).toBe(false);
  const hello = await client.waitFor<Extract<OutboundFrame, { kind: "hello" }>>(isKind("hello"));
  expect(hello.capabilities).toContain("blobs");
  const request = await client.waitFor<Extract<OutboundFrame, { kind: "event" }>>(isKind("event", (frame) => frame.row.event === "llm/request"));
  const ref = (request.row.data as { ref: string }).ref;
  expect(ref).toBe(requestRef);
  expect((await readBlob(client, ref)).equals(diskBytes(dir, ref))).toBe(true);
  await client.waitFor(
    isKind("run-finished", (frame) => frame.status === "done"),
    30_000,
  );
  expect((await readBlob(client, "artifacts/draft")).equals(diskBytes(dir, "artifacts/draft"))).toBe(true);
  client.close();
  expect(await run.exited, run.err()).toBe(0);
  // wire.json and its directory are gone with the run.
  expect(existsSync(dirname(wireJson))).toBe(false);
}

describe("a store's session served to renderers by run", () => {
  it("run --store memory --listen: a renderer reads a request and an artifact with read-blob, the bytes of the same run on disk", async () => {
    const cwd = join(work, "memory");
    mkdirSync(cwd, { recursive: true });
    await servesBlobs("memory", cwd);
  }, 90_000);

  it("--store memory still refuses --session-dir and --resume", async () => {
    const sessionDir = await runCli(["run", chart, "--no-tui", "--store", "memory", "--session-dir", join(work, "x")], { cwd: work });
    expect(sessionDir.code).toBe(2);
    expect(sessionDir.stderr).toContain("--store memory writes no session directory; drop --session-dir");
    const resume = await runCli(["run", chart, "--no-tui", "--store", "memory", "--resume", "some-id"], { cwd: work });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain("--store memory: a memory session is gone when the process that ran it exits");
  });
});

describe.skipIf(!postgresAvailable())("a Postgres store's session served to renderers", () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = startCluster();
  }, 120_000);
  afterAll(() => cluster?.stop());

  it("run --store postgres://… --listen: read-blob from the store, the bytes of the same run on disk", async () => {
    const cwd = join(work, "postgres-run");
    mkdirSync(cwd, { recursive: true });
    await servesBlobs(cluster.url, cwd);
  }, 90_000);

  it("attach --store postgres://… --no-spawn answers read-blob from the store", async () => {
    const { dir, requestRef } = await diskSession();
    const cwd = join(work, "postgres-attach");
    mkdirSync(cwd, { recursive: true });
    const run = await runCli(["run", chart, "--no-tui", "--store", cluster.url], { cwd, deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    const { sessionId } = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { sessionId: string };
    const attach = startCli(["attach", sessionId, "--store", cluster.url, "--no-spawn", "--linger", "1"], { cwd });
    procs.push(attach);
    const info = await until(() => {
      const line = attach.out().split("\n")[0];
      return line ? (JSON.parse(line) as { url: string; token: string }) : undefined;
    }, "attach's wire line on stdout");
    const client = await connect(info.url);
    clients.push(client);
    client.attach(info.token);
    expect((await client.waitFor<Extract<OutboundFrame, { kind: "hello" }>>(isKind("hello"))).capabilities).toContain("blobs");
    await client.waitFor(isKind("run-finished"), 30_000);
    expect((await readBlob(client, requestRef)).equals(diskBytes(dir, requestRef))).toBe(true);
    expect((await readBlob(client, "artifacts/critique")).equals(diskBytes(dir, "artifacts/critique"))).toBe(true);
    client.send({ v: 1, kind: "read-blob", id: "outside", ref: "/etc/passwd" });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "outside"))).toMatchObject({ code: "unknown-blob", path: "/ref" });
    client.close();
    expect(await attach.exited, attach.err()).toBe(0);
  }, 90_000);
});

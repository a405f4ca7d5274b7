/**
 * Answers from `escapement attach` reach a worker's run through the session's inbox: the prompts of
 * examples/ask, run by `escapement worker` (which parks a session waiting on a prompt), answered by a
 * renderer attached to `escapement attach --no-spawn`; the run ends `done`.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_MAJOR, type OutboundFrame } from "@escapement/wire-schema";
import { submitRun } from "../../src/pool/index.js";
import { postgresStore, type SessionStore } from "../../src/store/index.js";
import { repo, scratch, startCli, type LiveCli } from "../examples/harness.js";
import { connect, type Client } from "../wire/harness.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";

const work = scratch("attach-answer");

type Proc = LiveCli;

const start = (args: string[]): Proc => startCli([...args], { cwd: work });

async function until(probe: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!postgresAvailable())("answering a worker's prompts from escapement attach", () => {
  let cluster: Cluster;
  let store: SessionStore;
  const procs: Proc[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const proc of procs) proc.child.kill("SIGKILL");
    await store?.close();
    cluster?.stop();
  });

  for (const parkAfter of ["60000", "300"]) {
    it(`answers each prompt from the attached renderer until the run ends done (park after ${parkAfter} ms)`, { timeout: 120_000 }, async () => {
      const worker = start(["worker", "--store", cluster.url, "--park-after", parkAfter]);
      procs.push(worker);
      const { sessionId } = await submitRun({ store: cluster.url, chart: join(repo, "examples/ask"), cwd: work });
      const attach = start(["attach", sessionId, "--store", cluster.url, "--no-spawn", "--poll", "0.2"]);
      procs.push(attach);
      await until(() => attach.out().includes("\n"), `attach's URL\n${attach.err()}`, 60_000);
      const { url, token } = JSON.parse(attach.out().split("\n")[0]!) as { url: string; token: string };
      const client = await connect(url);
      clients.push(client);
      client.attach(token);
      const answers: Record<string, unknown> = { name: "Ada", tone: "friendly", approve: true };
      const answered = new Set<string>();
      for (;;) {
        // A parked run ends (`run-finished`, aborted) and the session goes on once woken: only its last end counts.
        const frame = await client.waitFor(
          (f: OutboundFrame) => (f.kind === "run-finished" && f.status === "done") || (f.kind === "prompt" && !answered.has(f.prompt.promptId)),
          60_000,
        );
        if (frame.kind === "run-finished") break;
        if (frame.kind !== "prompt") continue;
        const promptId = frame.prompt.promptId;
        answered.add(promptId);
        expect(Object.keys(answers)).toContain(promptId);
        // Parking on: the session parks while its prompt waits (its run stopped); attach still follows it.
        if (parkAfter === "300") await until(async () => (await store.manifest(sessionId)).status === "parked", `session ${sessionId} to park`, 30_000);
        client.send({ v: PROTOCOL_MAJOR, kind: "answer", id: `a-${promptId}`, promptId, value: answers[promptId] });
      }
      expect([...answered].sort()).toEqual(["approve", "name", "tone"]);
      expect(client.frames.filter((f) => f.kind === "error")).toEqual([]);
      client.close();
      expect(await attach.exited, attach.err()).toBe(0);
      expect((await store.manifest(sessionId)).status).toBe("done");
      const inbox = await store.inbox!.read(sessionId, 0);
      expect(inbox.map((entry) => entry.message)).toEqual([
        { kind: "answer", promptId: "name", answer: { value: "Ada" } },
        { kind: "answer", promptId: "tone", answer: { value: "friendly" } },
        { kind: "answer", promptId: "approve", answer: { value: true } },
      ]);
      worker.child.kill("SIGTERM");
      await worker.exited;
    });
  }
});

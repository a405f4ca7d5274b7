import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionPool } from "../../src/pool/index.js";
import type { ReplyStep } from "../../src/llm/index.js";

const repo = resolve(import.meta.dirname, "../../..");
const hello = join(repo, "examples/hello");

const rowsOf = (sessionDir: string) =>
  readFileSync(join(sessionDir, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { event: string; data: Record<string, unknown> });

describe("SessionPool", () => {
  let root: string;
  let pool: SessionPool;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "escapement-pool-"));
    // No project config in `root`, and no keys: jobs without a script run on the chart's bundled model.
    pool = new SessionPool({ threads: 2, cwd: root, env: {} });
  });

  afterAll(async () => {
    await pool.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs sessions on its threads, each into its own directory, and answers with their results", async () => {
    const dirs = Array.from({ length: 6 }, (_, index) => join(root, `hello-${index}`));
    const results = await Promise.all(dirs.map((sessionDir, index) => pool.run({ chart: hello, sessionDir, input: { name: `guest ${index}` } })));
    expect(results.map((result) => [result.status, result.finalConfig])).toEqual(dirs.map(() => ["done", ["done"]]));
    for (const [index, sessionDir] of dirs.entries()) {
      expect(results[index]!.sessionDir).toBe(sessionDir);
      const rows = rowsOf(sessionDir);
      expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done" } });
      expect(rows.find((row) => row.event === "llm/request")).toBeDefined();
    }
  });

  const streamedText = (sessionDir: string) =>
    rowsOf(sessionDir)
      .filter((row) => row.event === "llm/delta")
      .map((row) => row.data.text)
      .join("");

  it("answers a job from its own script when it brings one", async () => {
    const step: ReplyStep = {
      deltas: [{ text: "Ahoy, " }, { text: "pool!" }],
      events: [{ name: "greeting_done", payload: { greeting: "Ahoy, pool!" } }],
    };
    const sessionDir = join(root, "scripted");
    const result = await pool.run({ chart: hello, sessionDir, script: [step] });
    expect(result.status).toBe("done");
    expect(streamedText(sessionDir)).toBe("Ahoy, pool!");
  });

  it("gives every job that shares a script object its own pass through it, also after the threads forgot it", async () => {
    const greeting = (text: string): ReplyStep => ({ deltas: [{ text, afterMs: 5 }], events: [{ name: "greeting_done", payload: { greeting: text } }] });
    const shared = [greeting("Shared hello")];
    const other = [greeting("Other hello")];
    // Interleaved on both threads: a script crosses once per thread, later jobs name it.
    const first = Array.from({ length: 6 }, (_, index) => ({ sessionDir: join(root, `shared-${index}`), script: index % 3 === 2 ? other : shared }));
    const results = await Promise.all(first.map((job) => pool.run({ chart: hello, ...job })));
    expect(results.map((result) => result.status)).toEqual(first.map(() => "done"));
    expect(first.map((job) => streamedText(job.sessionDir))).toEqual(first.map((job) => (job.script === shared ? "Shared hello" : "Other hello")));
    // Every job of `shared` ended, so the threads were told to forget it: it has to cross again.
    const again = join(root, "shared-again");
    expect((await pool.run({ chart: hello, sessionDir: again, script: shared })).status).toBe("done");
    expect(streamedText(again)).toBe("Shared hello");
  });

  it("rejects a job whose chart cannot be loaded, naming it, and goes on running others", async () => {
    await expect(pool.run({ chart: join(root, "no-such-chart.ts") })).rejects.toThrow(/chart not found: .*no-such-chart\.ts/);
    const result = await pool.run({ chart: hello, sessionDir: join(root, "after-failure") });
    expect(result.status).toBe("done");
  });

  it("rejects a job that cannot cross to a thread (a function step), naming why", async () => {
    const step = (() => ({ text: "never" })) as unknown as ReplyStep;
    await expect(pool.run({ chart: hello, script: [step] })).rejects.toThrow(/cannot be sent to a thread: .*could not be cloned/);
  });

  it("refuses jobs once closed", async () => {
    const closed = new SessionPool({ threads: 1, cwd: root, env: {} });
    await closed.close();
    await expect(closed.run({ chart: hello })).rejects.toThrow("session pool is closed");
  });

  it("refuses a thread count below one, or below zero when the calling thread takes a share", () => {
    expect(() => new SessionPool({ threads: 0 })).toThrow(/threads must be an integer >= 1, got 0/);
    expect(() => new SessionPool({ threads: -1, callingThread: true })).toThrow(/threads must be an integer >= 0, got -1/);
  });

  it("with callingThread, runs a share of the jobs here, where a job is not copied", async () => {
    const here = new SessionPool({ threads: 0, callingThread: true, cwd: root, env: {} });
    try {
      await here.ready();
      // A function step could not cross to a thread; here it needs not.
      const step = (() => ({
        deltas: [{ text: "From a function" }],
        events: [{ name: "greeting_done", payload: { greeting: "From a function" } }],
      })) as unknown as ReplyStep;
      const sessionDir = join(root, "calling-thread");
      expect((await here.run({ chart: hello, sessionDir, script: [step] })).status).toBe("done");
      expect(streamedText(sessionDir)).toBe("From a function");
    } finally {
      await here.close();
    }
  });

  it("with callingThread and a worker, gives each job to the one running fewer (the calling thread on a tie)", async () => {
    const mixed = new SessionPool({ threads: 1, callingThread: true, cwd: root, env: {} });
    try {
      await mixed.ready();
      const reply = { firstTokenMs: 50, deltas: [{ text: "Hi" }], events: [{ name: "greeting_done", payload: { greeting: "Hi" } }] };
      // Only a job run on the calling thread can use a function step: where each job ran shows.
      const fromFunction = [(() => reply) as unknown as ReplyStep];
      const dirs = Array.from({ length: 4 }, (_, index) => join(root, `mixed-${index}`));
      const here1 = mixed.run({ chart: hello, sessionDir: dirs[0], script: fromFunction }); // 0 vs 0: here
      const thread1 = mixed.run({ chart: hello, sessionDir: dirs[1], script: [reply] }); // 1 vs 0: the worker
      const here2 = mixed.run({ chart: hello, sessionDir: dirs[2], script: fromFunction }); // 1 vs 1: here
      const thread2 = mixed.run({ chart: hello, sessionDir: dirs[3], script: fromFunction }); // 2 vs 1: the worker
      await expect(thread2).rejects.toThrow(/cannot be sent to a thread/);
      const results = await Promise.all([here1, thread1, here2]);
      expect(results.map((result) => result.status)).toEqual(["done", "done", "done"]);
      expect(dirs.slice(0, 3).map(streamedText)).toEqual(["Hi", "Hi", "Hi"]);
    } finally {
      await mixed.close();
    }
  });
});

describe("SessionPool threadSetup", () => {
  const require = createRequire(import.meta.url);
  const url = (module: string) => pathToFileURL(require.resolve(module)).href;

  it("each thread imports it first: a tracer provider it registers records the thread's runs", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-pool-setup-"));
    const spansFile = join(root, "spans.jsonl");
    // A tracer provider registered in the thread, writing each ended span to a file the test reads.
    writeFileSync(
      join(root, "otel-setup.mjs"),
      [
        `import { appendFileSync } from "node:fs";`,
        `import { trace } from ${JSON.stringify(url("@opentelemetry/api"))};`,
        `import { TracerProvider } from ${JSON.stringify(url("@opentelemetry/sdk-trace"))};`,
        `const toFile = { onStart() {}, onEnd(span) { appendFileSync(${JSON.stringify(spansFile)}, JSON.stringify({ name: span.name, session: span.attributes["escapement.session.id"] }) + "\\n"); }, forceFlush: async () => {}, shutdown: async () => {} };`,
        `trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [toFile] }));`,
      ].join("\n"),
    );
    const pool = new SessionPool({ threads: 1, cwd: root, env: {}, threadSetup: "./otel-setup.mjs" });
    try {
      await pool.ready();
      const sessionDir = join(root, "traced");
      expect((await pool.run({ chart: hello, sessionDir })).status).toBe("done");
      const spans = readFileSync(spansFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { name: string; session: string });
      expect(spans.map((span) => span.name)).toContain("invoke_agent hello");
      expect(spans.some((span) => span.name.startsWith("chat "))).toBe(true);
      expect(new Set(spans.map((span) => span.session))).toEqual(new Set(["traced"]));
    } finally {
      await pool.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a module that fails to load fails the thread, naming it", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-pool-setup-"));
    const pool = new SessionPool({ threads: 1, cwd: root, env: {}, threadSetup: "./missing-setup.mjs" });
    try {
      await expect(pool.ready()).rejects.toThrow(/threadSetup .*missing-setup\.mjs failed/);
      await expect(pool.run({ chart: hello, sessionDir: join(root, "never") })).rejects.toThrow(/missing-setup\.mjs/);
      expect(existsSync(join(root, "never"))).toBe(false);
    } finally {
      await pool.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

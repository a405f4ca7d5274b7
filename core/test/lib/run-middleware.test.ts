/** run({ middleware, hooks }): AI SDK middleware on the models built from config, and the conversation hooks. */
import { join } from "node:path";
import type { LanguageModelMiddleware } from "ai";
import { describe, expect, it } from "vitest";
import { run, validateOptions, type ProjectConfigInput } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { fakeNetwork } from "./fake-network.js";
import { memoryLogger, talkChart, tempDir } from "./helpers.js";

const config: ProjectConfigInput = {
  aliases: {
    default: [{ provider: "house", model: "house-model-1" }],
    fast: [{ provider: "house", model: "house-model-2" }],
  },
  credentials: [{ name: "house", kind: "anthropic", baseURL: "http://house.test/v1" }],
};

/** Adds a system note to every request it sees. */
const note = (text: string): LanguageModelMiddleware => ({
  specificationVersion: "v3",
  transformParams: async ({ params }) => ({ ...params, prompt: [{ role: "system", content: text }, ...params.prompt] }),
});

const systemOf = (body: { system?: Array<{ text: string }> }): string => (body.system ?? []).map((block) => block.text).join("\n");

describe("run({ middleware })", () => {
  it("wraps every model built from config; an entry with aliases only the calls that ask for them", async () => {
    const network = fakeNetwork();
    network.enqueue("house.test", { tool: { id: "toolu_1", name: "finish", input: {} } }, { tool: { id: "toolu_2", name: "finish", input: {} } });
    const middleware = [note("NOTE FOR ALL"), { name: "fast-only", aliases: ["fast"], middleware: note("NOTE FOR FAST") }];
    for (const alias of ["default", "fast"]) {
      const result = await run({
        chart: talkChart({ model: alias }),
        config,
        credentials: { house: "sk-house-5e3a1c" },
        fetch: network.fetch,
        middleware,
        sessionDir: join(tempDir(), "s"),
      });
      expect(result.status).toBe("done");
    }
    expect(network.requests).toHaveLength(2);
    expect(systemOf(network.requests[0]!.body)).toContain("NOTE FOR ALL");
    expect(systemOf(network.requests[0]!.body)).not.toContain("NOTE FOR FAST");
    expect(systemOf(network.requests[1]!.body)).toContain("NOTE FOR ALL");
    expect(systemOf(network.requests[1]!.body)).toContain("NOTE FOR FAST");
  });

  it("a middleware that throws fails the call as a model error naming it; nothing reaches the provider and the run ends cleanly", async () => {
    const network = fakeNetwork();
    const broken: LanguageModelMiddleware = {
      specificationVersion: "v3",
      transformParams: async () => {
        throw new Error("no redaction rules loaded");
      },
    };
    const result = await run({
      chart: talkChart(),
      config,
      credentials: { house: "sk-house-5e3a1c" },
      fetch: network.fetch,
      middleware: [{ name: "redact", middleware: broken }],
      sessionDir: join(tempDir(), "s"),
      wedge: { intervalMs: 10, cycles: 5 },
    });
    expect(network.requests).toHaveLength(0);
    const rows = await readAllRows(result.transcriptPath);
    const error = rows.find((row) => row.event === "llm/error");
    expect(error?.data).toMatchObject({
      category: "invalid-request",
      message: expect.stringContaining('middleware "redact" failed in transformParams: no redaction rules loaded'),
    });
    expect(JSON.stringify(error?.data)).not.toMatch(/\n\s+at /);
    expect(rows.at(-1)?.event).toBe("runner/done");
  });

  it("bad middleware options are named by path before anything runs", () => {
    const check = (options: Record<string, unknown>) => validateOptions({ chart: talkChart(), config, ...options });
    expect(check({ middleware: [{}] })).toMatchObject({ ok: false, issues: [{ path: "middleware[0]", message: expect.stringContaining("transformParams") }] });
    expect(check({ middleware: [{ aliases: ["fsat"], middleware: note("x") }] })).toMatchObject({
      ok: false,
      issues: [{ path: "middleware[0].aliases[0]", message: expect.stringContaining('unknown alias "fsat"') }],
    });
    expect(validateOptions({ chart: talkChart(), model: scriptedModel([]), middleware: [note("x")] })).toMatchObject({
      ok: false,
      issues: [{ path: "middleware", message: expect.stringContaining("models built from `config`") }],
    });
    expect(check({ hooks: { onStepBegin: () => {} } })).toMatchObject({
      ok: false,
      issues: [{ path: "hooks.onStepBegin", message: expect.stringContaining("unknown hook") }],
    });
    expect(check({ hooks: { onStepStart: "yes" } })).toMatchObject({ ok: false, issues: [{ path: "hooks.onStepStart", message: "expected a function" }] });
    expect(check({ middleware: [note("x")], hooks: { onStepStart: () => {} } })).toEqual({ ok: true });
  });
});

describe("run({ hooks }): conversation hooks", () => {
  it("tells onConversationStart and onConversationEnd of each conversation; a throwing hook is logged and the run goes on", async () => {
    const seen: string[] = [];
    const log = memoryLogger();
    const result = await run({
      chart: talkChart(),
      model: scriptedModel([{ events: [{ name: "finish", payload: {} }] }]),
      sessionDir: join(tempDir(), "s"),
      log,
      hooks: {
        onConversationStart: (c) => {
          seen.push(`start ${c.invokeId} ${c.stateId} ${c.model}`);
          throw new Error("observer bug");
        },
        onConversationEnd: (c) => void seen.push(`end ${c.invokeId} ${c.reason}`),
      },
    });
    expect(result.status).toBe("done");
    expect(seen).toEqual([expect.stringMatching(/^start \S+ \S*talking\S* default$/), expect.stringMatching(/^end \S+ (exit|done)$/)]);
    expect(log.lines.some((line) => line.startsWith("warn onConversationStart hook failed") && line.includes("observer bug"))).toBe(true);
  });
});

describe("run() with config preferences", () => {
  it('under failover: "preferences" a conversation whose alias fails is served by the next preferred alias', async () => {
    const network = fakeNetwork();
    // Nothing queued for house.test: its one target fails; backup.test answers.
    network.enqueue("backup.test", { tool: { id: "toolu_1", name: "finish", input: {} } });
    const result = await run({
      chart: talkChart({ resilience: { failover: "preferences", retry: { maxAttempts: 1 } } }),
      config: {
        aliases: { default: [{ provider: "house", model: "house-model-1" }], backup: [{ provider: "backup", model: "backup-model" }] },
        credentials: [
          { name: "house", kind: "anthropic", baseURL: "http://house.test/v1" },
          { name: "backup", kind: "anthropic", baseURL: "http://backup.test/v1" },
        ],
        preferences: ["default", "backup"],
      },
      credentials: { house: "sk-house-5e3a1c", backup: "sk-backup-5e3a1c" },
      fetch: network.fetch,
      sessionDir: join(tempDir(), "s"),
    });
    expect(result.status).toBe("done");
    expect(network.requests.map((seen) => seen.host)).toEqual(["house.test", "backup.test"]);
    const rows = await readAllRows(result.transcriptPath);
    expect(rows.find((row) => row.event === "llm/response")?.data).toMatchObject({ target: "backup:backup-model" });
  });
});

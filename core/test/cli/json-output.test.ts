/** `list`, `show`, `stats` and `info` with `--json`: one JSON document on stdout, through the real CLI, never a secret. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setup } from "xstate";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { runChart } from "../../src/engine/runner.js";

const cli = resolve(import.meta.dirname, "../../bin/escapement.mjs");
const SECRET = "sk-test-JSONSECRET-0123456789";

const machine = setup({ actors: inlineActors }).createMachine({
  id: "two-turns",
  initial: "talk",
  states: {
    talk: {
      invoke: converse({
        id: "talker",
        message: "hi",
        realTools: [],
        allowedEvents: { "talk.done": { schema: z.object({}), description: "done" } },
      }),
      on: { "llm.idle": { actions: tellLlm("talker", "go on") }, "talk.done": "done" },
    },
    done: { type: "final" },
  },
});

let root: string;
let sessionDir: string;
let sessionId: string;
beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "escapement-json-")));
  const model = scriptedModel([
    // The model repeats a key it should never have seen: the run's scrubber keeps it out of the session.
    { text: `the key is ${SECRET}`, usage: { input: 100, output: 10, cacheRead: 5 } },
    { text: "ok", events: [{ name: "talk_done" }], usage: { input: 120, output: 20 } },
  ]);
  const result = await runChart({ chart: { id: "two-turns", machine }, model, sessionsRoot: join(root, ".escapement"), cwd: root, secrets: [SECRET] });
  expect(result.status).toBe("done");
  sessionDir = result.sessionDir;
  sessionId = result.sessionId;
});

/** Runs the CLI as a child process in `root`; stdout must be exactly one JSON document. */
const escapement = (args: string[], env: Record<string, string> = {}) => {
  const child = spawnSync(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
  expect(child.stdout.endsWith("}\n")).toBe(true);
  expect(child.stdout.trimEnd().includes("\n")).toBe(false);
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, doc: JSON.parse(child.stdout) as Record<string, any> };
};

describe("--json", () => {
  it("list: the sessions root, each session's summary, and the sessions left out", () => {
    const broken = join(root, ".escapement", "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "session.json"), "{ torn");
    const { status, doc, stderr } = escapement(["list", "--json"]);
    expect(status).toBe(0);
    expect(stderr).toBe("");
    expect(doc.root).toBe(join(root, ".escapement"));
    expect(doc.sessions).toHaveLength(1);
    expect(doc.sessions[0]).toMatchObject({ sessionId, chartId: "two-turns", status: "done", turns: 2, tokens: { input: 220, output: 30, cacheRead: 5 } });
    expect(doc.unreadable).toEqual([{ dir: broken, error: expect.any(String) }]);
  });

  it("show: the summary and every transcript row, with the key redacted", () => {
    const { status, doc, stdout } = escapement(["show", sessionId, "--json", "--content"]);
    expect(status).toBe(0);
    expect(doc.session).toMatchObject({ sessionId, status: "done", finalConfig: ["done"] });
    const rows = doc.rows as Array<{ seq: number; event: string; data: any; content?: any }>;
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows.at(-1)?.event).toBe("runner/done");
    expect(rows.filter((row) => row.event === "llm/response")).toHaveLength(2);
    const withRef = rows.find((row) => row.content !== undefined);
    expect(withRef?.content).toMatchObject({ kind: "text" });
    expect(stdout).toContain("[redacted]");
    expect(stdout).not.toContain(SECRET);
  });

  it("stats: tokens and cost by model, latency spreads, retries", () => {
    const { status, doc } = escapement(["stats", sessionDir, "--json"]);
    expect(status).toBe(0);
    expect(doc).toMatchObject({ sessionId, turns: 2, retries: 0, failovers: 0, errors: 0, latencyMs: { count: 2 } });
    expect(Object.values(doc.byModel as Record<string, { turns: number }>).map((model) => model.turns)).toEqual([2]);
  });

  it("info: providers with where each key comes from and whether it is set, never the key", () => {
    const config = {
      aliases: { fast: [{ provider: "anthropic", model: "claude-3-5-haiku-latest", temperature: 0.2 }] },
      mcpServers: { files: { command: "mcp-files", args: ["--root", "."], env: { TOKEN: SECRET } } },
    };
    writeFileSync(join(root, ".escapement.json"), JSON.stringify(config));
    try {
      const { status, doc, stdout } = escapement(["info", "--json"], { ANTHROPIC_API_KEY: SECRET });
      expect(status).toBe(0);
      expect(doc.config).toEqual({ valid: true, path: join(root, ".escapement.json") });
      expect(doc.providers.find((p: { name: string }) => p.name === "anthropic")).toMatchObject({
        kind: "anthropic",
        key: { source: "env ANTHROPIC_API_KEY", set: true },
      });
      expect(doc.aliases.fast).toEqual([
        { id: "anthropic:claude-3-5-haiku-latest", provider: "anthropic", model: "claude-3-5-haiku-latest", temperature: 0.2 },
      ]);
      expect(doc.mcpServers).toEqual([{ name: "files", transport: "stdio", command: "mcp-files", args: ["--root", "."], env: ["TOKEN"] }]);
      expect(doc.tools).toContain("fs_read");
      expect(stdout).not.toContain(SECRET.slice(8, 20));
    } finally {
      writeFileSync(join(root, ".escapement.json"), "{}");
    }
  });

  it("info on a bad config: exit 2, a document saying so, the error on stderr", () => {
    writeFileSync(join(root, ".escapement.json"), JSON.stringify({ aliases: { fast: [{ provider: "antropic", model: "m" }] } }));
    try {
      const { status, doc, stderr } = escapement(["info", "--json"]);
      expect(status).toBe(2);
      expect(doc.config).toMatchObject({ valid: false, error: expect.stringContaining('unknown provider "antropic"') });
      expect(stderr).toContain('unknown provider "antropic"');
    } finally {
      writeFileSync(join(root, ".escapement.json"), "{}");
    }
  });
});

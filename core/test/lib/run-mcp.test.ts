/** run({ config: { mcpServers } }): the servers are started and offered as `escapement run` does, from data only. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { readAllRows, type TranscriptRow } from "../../src/runtime/index.js";
import { defineTool } from "../../src/tools/index.js";
import { z } from "zod";
import { fixture } from "../tools/mcp/helpers.js";
import { memoryLogger, talkChart, tempDir } from "./helpers.js";

const echoServer = (extra: Record<string, unknown> = {}) => ({ command: process.execPath, args: [fixture], ...extra });
const resultOf = (rows: readonly TranscriptRow[], name: string) =>
  rows.find((row) => row.event === "llm/tool-result" && (row.data as { name: string }).name === name)?.data as { isError: boolean; snippet: string };

describe("run() with mcpServers in its config", () => {
  it("offers the server's tools: the model calls echo__echo and gets the echo; the server ran in workDir with toolEnv", async () => {
    const workDir = join(tempDir(), "work");
    const model = scriptedModel([
      { toolCalls: [{ name: "echo__echo", input: { text: "hello from run()" }, id: "c1" }] },
      { toolCalls: [{ name: "echo__cwd", input: {}, id: "c2" }] },
      { toolCalls: [{ name: "echo__env", input: { name: "GREETING" }, id: "c3" }] },
      { events: [{ name: "finish", payload: {} }] },
    ]);
    const result = await run({
      chart: talkChart({ realTools: ["echo__echo", "echo__cwd", "echo__env"] }),
      model,
      config: { mcpServers: { echo: echoServer({ env: { GREETING: "${HELLO}" } }) } },
      toolEnv: { HELLO: "hi there" },
      sessionDir: join(tempDir(), "s"),
      workDir,
    });
    expect(result.status).toBe("done");
    const rows = await readAllRows(result.transcriptPath);
    // Recorded right after runner/started, as the CLI records it.
    expect(rows[1]).toMatchObject({ event: "mcp/server-connected", data: { server: "echo", transport: "stdio" } });
    expect(model.calls[0]!.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["echo__echo", "echo__cwd"]));
    expect(resultOf(rows, "echo__echo")).toMatchObject({ isError: false, snippet: "hello from run()" });
    expect(resultOf(rows, "echo__cwd")).toMatchObject({ isError: false, snippet: workDir });
    expect(resultOf(rows, "echo__env")).toMatchObject({ isError: false, snippet: "hi there" });
  });

  it("keeps a given tool list and adds the server's tools to it", async () => {
    const mine = defineTool({ name: "mine", description: "mine", input: z.object({}), execute: async () => ({ output: "mine!" }) });
    const model = scriptedModel([
      { toolCalls: [{ name: "mine", input: {}, id: "c1" }] },
      { toolCalls: [{ name: "echo__add", input: { a: 2, b: 3 }, id: "c2" }] },
      { events: [{ name: "finish", payload: {} }] },
    ]);
    const result = await run({
      chart: talkChart({ realTools: ["mine", "echo__add"] }),
      model,
      tools: [mine],
      config: { mcpServers: { echo: echoServer() } },
      sessionDir: join(tempDir(), "s"),
    });
    expect(result.status).toBe("done");
    const rows = await readAllRows(result.transcriptPath);
    expect(resultOf(rows, "mine")).toMatchObject({ isError: false, snippet: "mine!" });
    expect(resultOf(rows, "echo__add")).toMatchObject({ isError: false, snippet: "5" });
  });

  it("a server that fails to start is a warning and an mcp/server-failed row; the run goes on", async () => {
    const log = memoryLogger();
    const result = await run({
      chart: talkChart(),
      model: scriptedModel([{ events: [{ name: "finish", payload: {} }] }]),
      config: { mcpServers: { broken: { command: join(tempDir(), "no-such-program") } } },
      sessionDir: join(tempDir(), "s"),
      log,
    });
    expect(result.status).toBe("done");
    const rows = await readAllRows(result.transcriptPath);
    expect(rows[1]).toMatchObject({ event: "mcp/server-failed", data: { server: "broken", transport: "stdio" } });
    expect(log.lines.some((line) => line.startsWith("warn") && line.includes('mcp: server "broken" failed to start'))).toBe(true);
  });
});

/** End to end: a chart run (runChart, the scripted model) whose conversation calls MCP tools of a real server. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../../src/chart/index.js";
import { scriptedModel, type ContentBlock } from "../../../src/llm/index.js";
import { connectRunTools } from "../../../src/tools/mcp/index.js";
import { rowsOf, runScripted, tempDir } from "../../chart/helpers.js";
import { baseEnv, stdioServer, waitFor } from "./helpers.js";

const chartUsing = (realTools: string[]) =>
  setup({ actors: inlineActors }).createMachine({
    id: "mcp-chart",
    initial: "talking",
    states: {
      talking: {
        invoke: converse({
          id: "c",
          message: "use the echo tool",
          realTools,
          allowedEvents: { finish: { schema: z.object({}), description: "done" } },
        }),
        on: { finish: "done" },
      },
      done: { type: "final" },
    },
  });

const toolResults = (blocks: readonly ContentBlock[]) =>
  blocks.filter((block): block is Extract<ContentBlock, { type: "tool-result" }> => block.type === "tool-result");

describe("a chart run with MCP tools", () => {
  it("the scripted model calls echo-server__echo; the tool result row shows the echoed text", async () => {
    const mcp = await connectRunTools({ "echo-server": stdioServer() }, [], { env: baseEnv });
    try {
      const model = scriptedModel([
        { toolCalls: [{ name: "echo-server__echo", input: { text: "hello from MCP" }, id: "call-1" }] },
        { events: [{ name: "finish", payload: {} }] },
      ]);
      const { result, rows } = await runScripted({ chart: chartUsing(["echo-server__echo"]), model, tools: mcp.registry!, startRows: mcp.startRows });
      expect(result.status).toBe("done");

      // The transcript says which servers the run has, right after runner/started.
      expect(rows[1]).toMatchObject({ event: "mcp/server-connected", data: { server: "echo-server", transport: "stdio" } });
      expect((rows[1]!.data as { tools: string[] }).tools).toContain("echo-server__echo");

      // The model was offered the tool with the server's schema.
      const offered = model.calls[0]!.tools.find((tool) => tool.name === "echo-server__echo");
      expect(offered).toMatchObject({ description: "Echoes the text back.", inputSchema: { type: "object", required: ["text"] } });

      const [row] = rowsOf(rows, "llm/tool-result", { name: "echo-server__echo" });
      expect(row!.data).toMatchObject({
        toolCallId: "call-1",
        isError: false,
        snippet: "hello from MCP",
        meta: { server: "echo-server", tool: "echo" },
      });
      // ... and the model saw the echoed text.
      expect(toolResults(model.calls[1]!.messages.at(-1)!.content)).toEqual([
        { type: "tool-result", toolCallId: "call-1", name: "echo-server__echo", output: "hello from MCP" },
      ]);
    } finally {
      await mcp.close();
    }
  });

  it("a server that dies mid-run is started again for the next call: only the call it died in fails", async () => {
    const mcp = await connectRunTools({ "echo-server": stdioServer() }, [], { env: baseEnv });
    try {
      const model = scriptedModel([
        { toolCalls: [{ name: "echo-server__crash", id: "crash-1" }] },
        { toolCalls: [{ name: "echo-server__echo", input: { text: "still there?" }, id: "echo-1" }] },
        { events: [{ name: "finish", payload: {} }] },
      ]);
      const { result, rows } = await runScripted({ chart: chartUsing(["*"]), model, tools: mcp.registry!, startRows: mcp.startRows });
      expect(result.status).toBe("done");
      expect(rowsOf(rows, "llm/tool-result", { name: "echo-server__crash" })[0]!.data).toMatchObject({ isError: true, meta: { category: "mcp-unavailable" } });
      expect(rowsOf(rows, "llm/tool-result", { name: "echo-server__echo" })[0]!.data).toMatchObject({ isError: false, snippet: "still there?" });
    } finally {
      await mcp.close();
    }
  });

  it("a server that dies mid-run (and may not restart): its tool results are categorized errors and the run goes on", async () => {
    const mcp = await connectRunTools({ "echo-server": stdioServer({ restarts: 0 }) }, [], { env: baseEnv });
    try {
      const model = scriptedModel([
        { toolCalls: [{ name: "echo-server__crash", id: "crash-1" }] },
        { toolCalls: [{ name: "echo-server__echo", input: { text: "still there?" }, id: "echo-1" }] },
        { events: [{ name: "finish", payload: {} }] },
      ]);
      const { result, rows } = await runScripted({ chart: chartUsing(["*"]), model, tools: mcp.registry!, startRows: mcp.startRows });
      expect(result.status).toBe("done");
      for (const name of ["echo-server__crash", "echo-server__echo"]) {
        const [row] = rowsOf(rows, "llm/tool-result", { name });
        expect(row!.data).toMatchObject({ isError: true, meta: { category: "mcp-unavailable", server: "echo-server" } });
        expect((row!.data as { snippet: string }).snippet).toContain('MCP server "echo-server" is unavailable');
      }
    } finally {
      await mcp.close();
    }
  });

  it("a server that failed to start: an mcp/server-failed row, and a chart whitelisting its tool ends with unknown-tool naming the server", async () => {
    const mcp = await connectRunTools({ broken: { command: "escapement-no-such-command" } }, [], { env: baseEnv });
    try {
      expect(mcp.warnings).toEqual([
        'mcp: server "broken" failed to start (spawn): cannot start "escapement-no-such-command": spawn escapement-no-such-command ENOENT; its tools are not available',
      ]);
      const { result, rows } = await runScripted({
        chart: chartUsing(["broken__search"]),
        script: [{ text: "never asked" }],
        tools: mcp.registry!,
        startRows: mcp.startRows,
      });
      expect(rows[1]).toMatchObject({
        event: "mcp/server-failed",
        data: { server: "broken", transport: "stdio", category: "spawn", message: expect.stringContaining("ENOENT") },
      });
      expect(result.status).toBe("error");
      expect(result.error?.category).toBe("unknown-tool");
      expect(result.error?.message).toContain('unknown tool "broken__search" (MCP server "broken" failed to start (spawn)');
    } finally {
      await mcp.close();
    }
  });
});

describe("a hung MCP tool in a chart run", () => {
  it("is aborted at its timeout: the server is told to cancel, the model gets a timeout error, the run goes on", async () => {
    const cancelLog = join(tempDir(), "cancelled.txt");
    const mcp = await connectRunTools({ "echo-server": stdioServer({ toolTimeoutMs: 400, env: { ECHO_SERVER_CANCEL_LOG: cancelLog } }) }, [], { env: baseEnv });
    try {
      // The read-only hang tool is parallel-safe: it runs beside the echo, which answers at once.
      const hung = mcp.registry!.pick(["echo-server__hang"])[0]!;
      expect(hung).toMatchObject({ parallel: true, timeoutMs: 400 });
      const model = scriptedModel([
        {
          toolCalls: [
            { name: "echo-server__hang", input: { tag: "h1" }, id: "hang-1" },
            { name: "echo-server__echo", input: { text: "beside it" }, id: "echo-1" },
          ],
        },
        { toolCalls: [{ name: "echo-server__echo", input: { text: "after it" }, id: "echo-2" }] },
        { events: [{ name: "finish", payload: {} }] },
      ]);
      const { result, rows } = await runScripted({ chart: chartUsing(["*"]), model, tools: mcp.registry!, startRows: mcp.startRows });
      expect(result.status).toBe("done");
      const [timedOut, echoed] = toolResults(model.calls[1]!.messages.at(-1)!.content);
      expect(timedOut).toMatchObject({ toolCallId: "hang-1", isError: true, output: expect.stringContaining("timed out after 400 ms") });
      expect(echoed).toMatchObject({ toolCallId: "echo-1", output: "beside it" });
      expect(rowsOf(rows, "llm/tool-result", { toolCallId: "hang-1" })[0]!.data).toMatchObject({ meta: { timedOut: true, timeoutMs: 400 } });
      // The server heard the cancellation and still serves the next call.
      await waitFor(() => existsSync(cancelLog) && readFileSync(cancelLog, "utf8").includes("cancelled h1"));
      expect(rowsOf(rows, "llm/tool-result", { toolCallId: "echo-2" })[0]!.data).toMatchObject({ isError: false, snippet: "after it" });
    } finally {
      await mcp.close();
    }
  });
});

/** End to end: a chart run (runChart, the scripted model) whose conversation calls MCP tools of a real server. */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../../src/chart/index.js";
import { scriptedModel, type ContentBlock } from "../../../src/llm/index.js";
import { connectRunTools } from "../../../src/tools/mcp/index.js";
import { rowsOf, runScripted } from "../../chart/helpers.js";
import { baseEnv, stdioServer } from "./helpers.js";

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

/**
 * A long conversation on a model with a small context window, end to end: `run()` with a config
 * whose catalog gives the model a 4000-token window, against a real OpenAI-compatible server on
 * 127.0.0.1 that counts every prompt, reports the count as usage, and answers 400
 * context_length_exceeded to a prompt over the window. Sixty steps of tool results would need
 * several times the window; compaction keeps the conversation inside it to the end.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors, run, type CompactionParam } from "../core/src/index.js";
import { defineTool } from "../core/src/tools/tool.js";

const window = 4000;
const pages = 60;
const work = mkdtempSync(join(tmpdir(), "escapement-compaction-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ChatBody {
  messages: { role: string; content?: unknown; tool_calls?: unknown }[];
  tools?: unknown[];
  stream?: boolean;
}

/** What the server was asked: the prompt's tokens, and whether it was a summary request. */
interface Asked {
  tokens: number;
  summary: boolean;
  refused: boolean;
}

/** The prompt as the server counts it: four characters of its JSON a token (the messages and the tool specs). */
const promptTokens = (body: ChatBody): number => Math.ceil(JSON.stringify({ messages: body.messages, tools: body.tools ?? [] }).length / 4);

/** The highest page the prompt mentions (tool results, or a summary that lists them). */
const lastPage = (body: ChatBody): number => Math.max(0, ...[...JSON.stringify(body.messages).matchAll(/page (\d+)/g)].map((match) => Number(match[1])));

/**
 * A reader model: reads pages 1..`pages` one tool call a step, then says it is done; asked to
 * summarise (the compaction's instruction asks for a summary that replaces the conversation), it
 * says which pages it read.
 */
function reply(body: ChatBody): { content?: string; call?: { name: string; arguments: string } } {
  const last = JSON.stringify(body.messages[body.messages.length - 1] ?? {});
  if (last.includes("replaced by your summary")) return { content: `Read pages 1 to ${lastPage(body)}; each page is lorem ipsum.` };
  const next = lastPage(body) + 1;
  if (next > pages) return { content: "I have read the whole book." };
  return { call: { name: "read_page", arguments: JSON.stringify({ page: next }) } };
}

function answer(res: ServerResponse, body: ChatBody, asked: Asked[]): void {
  const tokens = promptTokens(body);
  const last = JSON.stringify(body.messages[body.messages.length - 1] ?? {});
  const refused = tokens > window;
  asked.push({ tokens, summary: last.includes("replaced by your summary"), refused });
  if (refused) {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: `This model's maximum context length is ${window} tokens. However, your messages resulted in ${tokens} tokens.`,
          type: "invalid_request_error",
          param: "messages",
          code: "context_length_exceeded",
        },
      }),
    );
    return;
  }
  const { content, call } = reply(body);
  const usage = { prompt_tokens: tokens, completion_tokens: 20, total_tokens: tokens + 20 };
  const toolCalls = call ? [{ index: 0, id: `call_${asked.length}`, type: "function", function: call }] : undefined;
  const finish = call ? "tool_calls" : "stop";
  const base = { id: `chatcmpl-${asked.length}`, created: 1_700_000_000, model: "tiny" };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: [
          { index: 0, message: { role: "assistant", content: content ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish },
        ],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }));
  if (content) res.write(chunk({ content }));
  if (toolCalls) res.write(chunk({ tool_calls: toolCalls }));
  res.write(chunk({}, finish));
  res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

let server: Server;
let url: string;
let asked: Asked[];

beforeEach(async () => {
  asked = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (part: Buffer) => (text += part.toString("utf8")));
    req.on("end", () => answer(res, JSON.parse(text) as ChatBody, asked));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

const readPage = defineTool({
  name: "read_page",
  description: "Reads one page of the book.",
  input: z.object({ page: z.number().int() }),
  idempotent: true,
  execute: async ({ page }) => ({ output: `page ${page}: ${"lorem ipsum ".repeat(50)}` }),
});

const chart = (compaction?: CompactionParam) =>
  defineChart({
    id: "long-read",
    tools: [readPage],
    machine: setup({ actors: inlineActors }).createMachine({
      id: "long-read",
      initial: "reading",
      states: {
        reading: {
          invoke: converse({
            id: "reader",
            system: "You read books.",
            message: "Read the book, one page a step, then say you are done.",
            realTools: ["read_page"],
            maxTurns: 100,
            ...(compaction === undefined ? {} : { compaction }),
          }),
          on: { "llm.idle": "done", "error.llm.*": "failed" },
        },
        done: { type: "final" },
        failed: { type: "final" },
      },
    }),
  });

const config = () => ({
  aliases: { default: [{ provider: "local", model: "tiny" }] },
  credentials: [{ name: "local", kind: "openai-compatible" as const, baseURL: `${url}/v1` }],
  catalog: { "local:tiny": { contextWindow: window } },
});

const rowsOf = (session: string) =>
  readFileSync(join(session, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { event: string; data: Record<string, unknown> });

describe("a 60-step conversation on a 4000-token model", () => {
  it("fails with context-length without compaction (the control)", async () => {
    const session = join(work, "off");
    const outcome = await run({ chart: chart(false), config: config(), credentials: { local: "test-key" }, sessionDir: session });
    expect(outcome.status).toBe("done");
    const errors = rowsOf(session).filter((row) => row.event === "llm/error");
    expect(errors.map((row) => row.data.category)).toEqual(["context-length"]);
  });

  it("finishes with the default compaction: every page read, no call over the window", async () => {
    const session = join(work, "on");
    const outcome = await run({ chart: chart(), config: config(), credentials: { local: "test-key" }, sessionDir: session });
    expect(outcome.status).toBe("done");
    const rows = rowsOf(session);
    expect(rows.filter((row) => row.event === "llm/error")).toEqual([]);
    expect(asked.filter((call) => call.refused)).toEqual([]);
    const turns = rows.filter((row) => row.event === "llm/response");
    expect(turns).toHaveLength(pages + 1);
    expect(rows.filter((row) => row.event === "llm/tool-call").map((row) => row.data.snippet)).toEqual(
      Array.from({ length: pages }, (_, i) => `{"page":${i + 1}}`),
    );
    const compactions = rows.filter((row) => row.event === "llm/compacted");
    expect(compactions.length).toBeGreaterThanOrEqual(3);
    expect(asked.filter((call) => call.summary)).toHaveLength(compactions.length);
    for (const row of compactions) expect(row.data).toMatchObject({ invokeId: "reader", reason: "threshold" });
    // No prompt the server saw was over the window.
    expect(Math.max(...asked.map((call) => call.tokens))).toBeLessThanOrEqual(window);
  });
});

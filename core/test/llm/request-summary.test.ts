import { describe, expect, it } from "vitest";
import type { ModelMessage, ModelRequest } from "../../src/llm/protocol.js";
import { requestText, requestTextLength } from "../../src/llm/request-summary.js";

const tool = { name: "read_file", description: "Read a file", inputSchema: { type: "object", properties: { path: { type: "string" } } } };

const history: ModelMessage[] = [
  { role: "user", content: [{ type: "text", text: "Fix the bug in é.ts" }] },
  {
    role: "assistant",
    content: [
      { type: "thinking", text: "" },
      { type: "text", text: "Reading it." },
      { type: "tool-call", id: "c1", name: "read_file", input: { path: "é.ts" } },
    ],
  },
  { role: "user", content: [{ type: "tool-result", toolCallId: "c1", name: "read_file", output: "1\tconst x = 1;" }] },
];

const request = (overrides: Partial<ModelRequest>): ModelRequest => ({
  model: "default",
  system: "You fix bugs.",
  messages: history,
  tools: [tool],
  params: {},
  stream: true,
  origin: { invokeId: "fixer", stateId: "fixing", turn: 2 },
  ...overrides,
});

describe("requestTextLength", () => {
  it("is the length of requestText, with or without a system prompt, tools or messages", () => {
    const cases = [
      request({}),
      request({ system: undefined }),
      request({ system: "" }),
      request({ tools: [] }),
      request({ messages: [] }),
      request({ system: undefined, tools: [], messages: [] }),
      request({ messages: [...history, { role: "assistant", content: [{ type: "text", text: "" }] }] }),
    ];
    for (const each of cases) expect(requestTextLength(each)).toBe(requestText(each).length);
  });

  it("measures a shared message once per object, and a new message of a later turn as well", () => {
    const first = request({});
    const later = request({ messages: [...history, { role: "assistant", content: [{ type: "text", text: "Done: the fix is in." }] }] });
    expect(requestTextLength(first)).toBe(requestText(first).length);
    expect(requestTextLength(later)).toBe(requestText(later).length);
    expect(requestTextLength(later)).toBe(requestTextLength(first) + 1 + "Done: the fix is in.".length);
  });
});

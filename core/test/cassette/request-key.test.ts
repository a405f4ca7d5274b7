import { describe, expect, it } from "vitest";
import type { ModelMessage, ModelRequest } from "../../src/llm/index.js";
import { keyOf, normalizedRequestJson, normalizeRequest, requestKey } from "../../src/llm/cassette/index.js";
import { requestJson } from "../../src/llm/request-json.js";

const tool = { name: "read_file", description: "Read a file", inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } };
const event = { name: "step_done", description: "report a step", inputSchema: { type: "object", properties: { step: { type: "integer" } } } };

const turn1: ModelMessage[] = [{ role: "user", content: [{ type: "text", text: "Fix the bug." }] }];
const turn2: ModelMessage[] = [
  ...turn1,
  {
    role: "assistant",
    content: [
      { type: "thinking", text: "look first", signature: "sig" },
      { type: "tool-call", id: "toolu_9f", name: "read_file", input: { path: "a.ts" } },
    ],
  },
  { role: "user", content: [{ type: "tool-result", toolCallId: "toolu_9f", name: "read_file", output: "1\tx", isError: true }] },
  { role: "user", content: [{ type: "image", source: { kind: "url", url: "https://example.com/a.png" } }] },
];

const request = (messages: ModelMessage[], overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  model: "default",
  system: "You fix bugs.",
  messages,
  tools: [tool, event],
  params: { temperature: 0.2 },
  stream: true,
  origin: { invokeId: "fixer", stateId: "fixing", turn: messages.length },
  ...overrides,
});

describe("request keys", () => {
  const sharingRequests = (): ModelRequest[] => [
    request(turn1),
    request(turn2),
    // The same shared objects again, as a later turn of the conversation sends them.
    request([...turn2, { role: "assistant", content: [{ type: "text", text: "Done." }] }]),
    request(turn2, { system: undefined }),
    request(turn2, { params: undefined as unknown as ModelRequest["params"] }),
    request(turn1, { tools: [] }),
    request([], { tools: [event, tool] }),
    request(turn2, { models: ["default", "fast"], needs: { vision: true } }),
  ];

  it("keyOf gives the key of the whole normalized request, whatever parts later requests share", () => {
    for (const each of sharingRequests()) expect(keyOf(each).key).toBe(requestKey(normalizeRequest(each)));
  });

  it("the JSON of a request and of its normalized form is JSON.stringify's, whatever parts later requests share", () => {
    for (const each of sharingRequests()) {
      expect(requestJson(each)).toBe(JSON.stringify(each));
      expect(normalizedRequestJson(each)).toBe(JSON.stringify(normalizeRequest(each)));
    }
  });

  it("a shared message whose ids are numbered otherwise in another request gets the other numbering", () => {
    const call = turn2[1]!;
    const result = turn2[2]!;
    const earlier: ModelMessage = { role: "assistant", content: [{ type: "tool-call", id: "toolu_1a", name: "read_file", input: { path: "b.ts" } }] };
    const first = request([call, result]);
    // The same message objects after another tool call: their id is now the second one seen.
    const later = request([earlier, call, result]);
    // A new request object each time: keyOf keeps the key of a request object it has seen.
    const again = request([call, result]);
    for (const each of [first, later, again]) {
      expect(keyOf(each).key).toBe(requestKey(normalizeRequest(each)));
      expect(normalizedRequestJson(each)).toBe(JSON.stringify(normalizeRequest(each)));
    }
    expect(keyOf(again).key).toBe(keyOf(first).key);
    expect(keyOf(later).key).not.toBe(keyOf(first).key);
  });

  it("equal conversations with other tool-call ids have one key; another order of tools does not", () => {
    const renamed = JSON.parse(JSON.stringify(turn2).replaceAll("toolu_9f", "call_other")) as ModelMessage[];
    expect(keyOf(request(renamed)).key).toBe(keyOf(request(turn2)).key);
    expect(keyOf(request(turn2, { tools: [event, tool] })).key).not.toBe(keyOf(request(turn2)).key);
  });
});

import { LlmError, type LlmErrorCategory } from "../../core/src/llm/llm-error.js";
import type { CallOptions, ModelDelta, ModelRequest, ModelResponse, TargetClient } from "../../core/src/llm/protocol.js";

export function request(over: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: "default",
    system: "You are terse.",
    messages: [{ role: "user", content: [{ type: "text", text: "Say hello." }] }],
    tools: [],
    params: {},
    stream: true,
    origin: { invokeId: "greeter", stateId: "greeting", turn: 1 },
    ...over,
  };
}

export const weatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  inputSchema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { city: { type: "string" }, unit: { type: "string", enum: ["C", "F"] } },
    required: ["city"],
    additionalProperties: false,
  },
};

export const timeTool = {
  name: "get_time",
  description: "Time in a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

export interface Recorded {
  deltas: ModelDelta[];
  firstTokens: number[];
  response?: ModelResponse;
  error?: LlmError;
}

/** Calls the client, recording deltas and first-token reports; resolves with an error instead of rejecting. */
export async function run(client: TargetClient, req: ModelRequest, options: Partial<CallOptions> = {}): Promise<Recorded> {
  const recorded: Recorded = { deltas: [], firstTokens: [] };
  try {
    recorded.response = await client.call(req, {
      signal: options.signal ?? new AbortController().signal,
      onDelta: (delta) => recorded.deltas.push(delta),
      onFirstToken: (ms) => recorded.firstTokens.push(ms),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    recorded.error = error;
  }
  return recorded;
}

export async function expectCategory(client: TargetClient, req: ModelRequest, category: LlmErrorCategory): Promise<LlmError> {
  const { error, response } = await run(client, req);
  if (error === undefined) throw new Error(`expected ${category}, got a response: ${JSON.stringify(response)}`);
  if (error.category !== category) throw new Error(`expected ${category}, got ${error.category}: ${error.message}`);
  return error;
}

export const textOf = (response: ModelResponse | undefined): string =>
  (response?.content ?? []).flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");

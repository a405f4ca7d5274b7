/**
 * A fetch that plays providers in memory: Anthropic Messages (`.../messages`) and OpenAI chat
 * completions (`.../chat/completions`), streamed as SSE the way their public API references show.
 * Replies are queued per host, so several providers (and several runs) share one "network" and a
 * test can see which request went where, with which key.
 */

export type FakeReply = { text: string; delayMs?: number } | { tool: { id: string; name: string; input: Record<string, unknown> }; delayMs?: number };

export interface SeenRequest {
  url: string;
  host: string;
  headers: Record<string, string>;
  body: any;
}

export interface FakeNetwork {
  fetch: typeof globalThis.fetch;
  requests: SeenRequest[];
  /** Queues replies for requests to `host`. */
  enqueue(host: string, ...replies: FakeReply[]): void;
}

const sse = (events: Array<{ event?: string; data: unknown }>): string =>
  events.map(({ event, data }) => `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`).join("");

const anthropicStream = (reply: FakeReply, model: string): string => {
  const usage = { input_tokens: 12, output_tokens: 1 };
  const start = {
    type: "message_start",
    message: { id: "msg_fake", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage },
  };
  const blocks =
    "text" in reply
      ? [
          { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
          { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: reply.text } } },
        ]
      : [
          {
            event: "content_block_start",
            data: { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: reply.tool.id, name: reply.tool.name, input: {} } },
          },
          {
            event: "content_block_delta",
            data: { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(reply.tool.input) } },
          },
        ];
  return sse([
    { event: "message_start", data: start },
    ...blocks,
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    {
      event: "message_delta",
      data: { type: "message_delta", delta: { stop_reason: "text" in reply ? "end_turn" : "tool_use", stop_sequence: null }, usage: { output_tokens: 7 } },
    },
    { event: "message_stop", data: { type: "message_stop" } },
  ]);
};

const openaiStream = (reply: FakeReply, model: string): string => {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices,
    ...extra,
  });
  const delta = (d: Record<string, unknown>, finish: string | null = null) => ({
    data: chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]),
  });
  const body =
    "text" in reply
      ? [delta({ content: reply.text })]
      : [
          delta({
            tool_calls: [{ index: 0, id: reply.tool.id, type: "function", function: { name: reply.tool.name, arguments: JSON.stringify(reply.tool.input) } }],
          }),
        ];
  return sse([
    delta({ role: "assistant", content: "" }),
    ...body,
    delta({}, "text" in reply ? "stop" : "tool_calls"),
    { data: chunk([], { usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } }) },
    { data: "[DONE]" },
  ]);
};

export function fakeNetwork(): FakeNetwork {
  const queues = new Map<string, FakeReply[]>();
  const requests: SeenRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const host = new URL(url).host;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    requests.push({ url, host, headers, body });
    const reply = queues.get(host)?.shift();
    if (!reply) return new Response(JSON.stringify({ error: { type: "api_error", message: `fake network: nothing queued for ${host}` } }), { status: 500 });
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    const model = String(body?.model ?? "fake");
    const text = url.endsWith("/messages") ? anthropicStream(reply, model) : openaiStream(reply, model);
    return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return {
    fetch,
    requests,
    enqueue: (host, ...replies) => queues.set(host, [...(queues.get(host) ?? []), ...replies]),
  };
}

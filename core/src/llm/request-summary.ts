/**
 * Short human descriptions of model requests, for error messages, and rough token counts.
 */
import type { ContentBlock, ModelRequest } from "./protocol.js";

/** A rough token estimate: four characters a token, rounded up. */
export const estimateTokens = (text: string): number => tokensOfLength(text.length);
export const tokensOfLength = (length: number): number => Math.ceil(length / 4);

const blockText = (block: ContentBlock): string => {
  switch (block.type) {
    case "text":
    case "thinking":
      return block.text;
    case "tool-call":
      return `${block.name} ${JSON.stringify(block.input) ?? ""}`;
    case "tool-result":
      return block.output;
    case "image":
      return "";
  }
};

/** Everything in a request a provider would count as input. */
export const requestText = (request: ModelRequest): string =>
  [request.system ?? "", ...request.tools.map(toolText), ...request.messages.flatMap((message) => message.content.map(blockText))]
    .filter((text) => text !== "")
    .join("\n");

const toolText = (tool: ModelRequest["tools"][number]): string => `${tool.name} ${tool.description} ${JSON.stringify(tool.inputSchema)}`;

/** Total length and number of the non-empty texts of a tool or a message. */
interface TextShare {
  length: number;
  count: number;
}

// A conversation's requests share their tool specs and earlier messages: measure each once.
const shares = new WeakMap<object, TextShare>();
const shareOf = <T extends object>(item: T, texts: (item: T) => string[]): TextShare => {
  let share = shares.get(item);
  if (!share) {
    share = { length: 0, count: 0 };
    for (const text of texts(item)) {
      if (text === "") continue;
      share.length += text.length;
      share.count += 1;
    }
    shares.set(item, share);
  }
  return share;
};

/** `requestText(request).length`, without building the text. */
export const requestTextLength = (request: ModelRequest): number => {
  let length = request.system?.length ?? 0;
  let count = length > 0 ? 1 : 0;
  for (const tool of request.tools) {
    const share = shareOf(tool, (t) => [toolText(t)]);
    length += share.length;
    count += share.count;
  }
  for (const message of request.messages) {
    const share = shareOf(message, (m) => m.content.map(blockText));
    length += share.length;
    count += share.count;
  }
  return length + Math.max(0, count - 1);
};

/** Text and tool-result output of the last user message, or undefined when there is none. */
export const lastUserText = (request: ModelRequest): string | undefined => {
  const message = request.messages.findLast((candidate) => candidate.role === "user");
  return message?.content
    .map(blockText)
    .filter((text) => text !== "")
    .join("\n");
};

export const snippet = (text: string, max = 60): string => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};

/** E.g. `state "review", turn 2, invoke "inv-1", model "fast", last user: "Fix the bug…"`. */
export const describeRequest = (request: ModelRequest): string => {
  const { stateId, turn, invokeId } = request.origin;
  const user = lastUserText(request);
  const last = user === undefined ? "no user message" : `last user: ${JSON.stringify(snippet(user))}`;
  return `state ${JSON.stringify(stateId)}, turn ${turn}, invoke ${JSON.stringify(invokeId)}, model ${JSON.stringify(request.model)}, ${last}`;
};

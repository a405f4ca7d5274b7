import { createHash } from "node:crypto";
import type { ContentBlock, ModelMessage, ModelRequest } from "../protocol.js";
import { flatString } from "../../runtime/flat-string.js";
import { jsonWithItems } from "../request-json.js";

/** The parts of a request that decide its answer, with volatile ids replaced by stable ones. */
export interface NormalizedRequest {
  model: string;
  system?: string;
  messages: ModelMessage[];
  tools: { name: string; description: string; inputSchema: Record<string, unknown> }[];
  params: ModelRequest["params"];
}

/** Tool-call ids differ run to run (providers mint them); number them in order of appearance. */
export function normalizeRequest(request: ModelRequest): NormalizedRequest {
  const ids = stableIds(request);
  return {
    model: request.model,
    ...(request.system === undefined ? {} : { system: request.system }),
    messages: request.messages.map((message) => normalizeMessage(message, ids.map)),
    tools: request.tools.map(normalizeTool),
    params: request.params,
  };
}

/**
 * The stable id of every tool-call id in the request (`call_1`, `call_2`, ... in order of first
 * appearance), and each message's stable ids joined: what its normalized form depends on besides
 * the message itself.
 */
function stableIds(request: ModelRequest): { map: Map<string, string>; perMessage: string[] } {
  const map = new Map<string, string>();
  const perMessage = request.messages.map((message) => {
    let joined = "";
    for (const block of message.content) {
      const id = block.type === "tool-call" ? block.id : block.type === "tool-result" ? block.toolCallId : undefined;
      if (id === undefined) continue;
      let stable = map.get(id);
      if (stable === undefined) map.set(id, (stable = `call_${map.size + 1}`));
      joined += `${stable} `;
    }
    return joined;
  });
  return { map, perMessage };
}

const normalizeMessage = (message: ModelMessage, ids: ReadonlyMap<string, string>): ModelMessage => ({
  role: message.role,
  content: message.content.map((block: ContentBlock): ContentBlock => {
    if (block.type === "tool-call") return { ...block, id: ids.get(block.id)! };
    if (block.type === "tool-result") return { ...block, toolCallId: ids.get(block.toolCallId)! };
    return block;
  }),
});

const normalizeTool = ({ name, description, inputSchema }: ModelRequest["tools"][number]): NormalizedRequest["tools"][number] => ({
  name,
  description,
  inputSchema,
});

/**
 * Canonical JSON (sorted keys), so equal requests hash equally whatever their key order. Request
 * keys in recorded cassettes depend on this exact text: an `undefined` property is left out, an
 * array element with no JSON form is empty, and anything else with no JSON form (a function)
 * prints as `undefined`. The text is joined once from its pieces, so it is one flat string (texts
 * are kept per message, and a string grown piece by piece would keep every piece alive).
 */
export function canonicalJson(value: unknown): string {
  const pieces: string[] = [];
  return writeCanonical(value, pieces) ? pieces.join("") : (undefined as unknown as string);
}

/** Appends the canonical text of `value` to `pieces`; false (nothing appended) when it has no JSON form. */
function writeCanonical(value: unknown, pieces: string[]): boolean {
  if (Array.isArray(value)) {
    pieces.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) pieces.push(",");
      writeCanonical(value[i], pieces);
    }
    pieces.push("]");
    return true;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    pieces.push("{");
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      pieces.push(first ? "" : ",", JSON.stringify(key), ":");
      if (!writeCanonical(item, pieces)) pieces.push("undefined");
      first = false;
    }
    pieces.push("}");
    return true;
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return false;
  pieces.push(text);
  return true;
}

/** The key of a request: the hash of its canonical JSON, which may come in pieces. */
const hashParts = (parts: readonly string[]): string => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex").slice(0, 32);
};

export const requestKey = (normalized: NormalizedRequest): string => hashParts([canonicalJson(normalized)]);

// The requests of one conversation share their tool specs and earlier messages (objects the
// runtime never mutates). The text of their normalized form is kept per object, so the key (and
// the cassette line) of turn n does not serialize turns 1..n-1 again, and a normalized copy of a
// message is made only when its text is not known yet. A message's tool ids are renumbered per
// request, so its text is kept with the ids it was made with and reused only while they are the same.
type SharedTexts = WeakMap<object, { ids: string; text: string }>;
const canonicalTexts: SharedTexts = new WeakMap();
const jsonTexts: SharedTexts = new WeakMap();

/** The text (`canonicalJson` or `JSON.stringify`) of each normalized message and tool of `request`. */
function normalizedTexts(request: ModelRequest, texts: SharedTexts, serialize: (value: unknown) => string): { messages: string[]; tools: string[] } {
  const ids = stableIds(request);
  const shared = (item: object, itemIds: string, normalized: () => unknown): string => {
    let known = texts.get(item);
    if (known === undefined || known.ids !== itemIds) {
      // Flat: JSON.stringify returns a long text as a rope of its pieces, and this one is kept as long as the item.
      known = { ids: itemIds, text: flatString(serialize(normalized())) };
      texts.set(item, known);
    }
    return known.text;
  };
  return {
    messages: request.messages.map((message, index) => shared(message, ids.perMessage[index]!, () => normalizeMessage(message, ids.map))),
    tools: request.tools.map((tool) => shared(tool, "", () => normalizeTool(tool))),
  };
}

/** `canonicalJson(normalizeRequest(request))` in pieces: hashed one by one, the whole text is never built. */
function canonicalRequestParts(request: ModelRequest): string[] {
  const { messages, tools } = normalizedTexts(request, canonicalTexts, canonicalJson);
  // The keys of NormalizedRequest in sorted order; an undefined one is left out, as canonicalJson does.
  const parts = ['{"messages":[', messages.join(","), '],"model":', canonicalJson(request.model)];
  if (request.params !== undefined) parts.push(',"params":', canonicalJson(request.params));
  if (request.system !== undefined) parts.push(',"system":', canonicalJson(request.system));
  parts.push(',"tools":[', tools.join(","), "]}");
  return parts;
}

const keys = new WeakMap<ModelRequest, string>();

/**
 * The key of a request, computed once per request object (guard, recorder and cassette all need
 * it), and its normalized form (made on each call: only a replay that misses needs it).
 */
export function keyOf(request: ModelRequest): { readonly normalized: NormalizedRequest; key: string } {
  let key = keys.get(request);
  if (key === undefined) {
    key = hashParts(canonicalRequestParts(request));
    keys.set(request, key);
  }
  return {
    key,
    get normalized() {
      return normalizeRequest(request);
    },
  };
}

/** `JSON.stringify(normalizeRequest(request))` (a cassette's request), reusing the text of shared messages and tool specs. */
export function normalizedRequestJson(request: ModelRequest): string {
  const { messages, tools } = normalizedTexts(request, jsonTexts, JSON.stringify);
  const normalized: Omit<NormalizedRequest, "messages" | "tools"> & { messages: unknown[]; tools: unknown[] } = {
    model: request.model,
    ...(request.system === undefined ? {} : { system: request.system }),
    messages,
    tools,
    params: request.params,
  };
  // The items are already their text.
  return jsonWithItems(normalized, ["messages", "tools"], (text) => text as string);
}

import { createHash } from "node:crypto";
import type { ContentBlock, ModelMessage, ModelRequest } from "../protocol.js";
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
  const ids = new Map<string, string>();
  const idOf = (id: string): string => {
    let stable = ids.get(id);
    if (!stable) ids.set(id, (stable = `call_${ids.size + 1}`));
    return stable;
  };
  const block = (b: ContentBlock): ContentBlock => {
    if (b.type === "tool-call") return { ...b, id: idOf(b.id) };
    if (b.type === "tool-result") return { ...b, toolCallId: idOf(b.toolCallId) };
    return b;
  };
  return {
    model: request.model,
    ...(request.system === undefined ? {} : { system: request.system }),
    messages: request.messages.map((message) => ({ role: message.role, content: message.content.map(block) })),
    tools: request.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
    params: request.params,
  };
}

/**
 * Canonical JSON (sorted keys), so equal requests hash equally whatever their key order. Request
 * keys in recorded cassettes depend on this exact text: an `undefined` property is left out, an
 * array element with no JSON form is empty, and anything else with no JSON form (a function)
 * prints as `undefined`. One string is built as it goes (no arrays of parts).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      const item = canonicalJson(value[i]) as string | undefined;
      if (item !== undefined) out += item;
    }
    return `${out}]`;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = "{";
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(item)}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/** The key of a request: the hash of its canonical JSON, which may come in pieces. */
const hashParts = (parts: readonly string[]): string => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex").slice(0, 32);
};

export const requestKey = (normalized: NormalizedRequest): string => hashParts([canonicalJson(normalized)]);

// The requests of one conversation share their tool specs and earlier messages (objects the
// runtime never mutates). Their canonical text is kept per object, so the key of turn n does not
// serialize turns 1..n-1 again. A message's tool ids are renumbered per request, so its text is
// kept with the ids it was made with and reused only while they are the same.
type SharedTexts = WeakMap<object, { ids: string; text: string }>;
const canonicalTexts: SharedTexts = new WeakMap();
const jsonTexts: SharedTexts = new WeakMap();
const shared = (texts: SharedTexts, item: object, ids: string, text: () => string): string => {
  let known = texts.get(item);
  if (known === undefined || known.ids !== ids) {
    known = { ids, text: text() };
    texts.set(item, known);
  }
  return known.text;
};
const idsOf = (message: ModelMessage): string => {
  let ids = "";
  for (const block of message.content) {
    if (block.type === "tool-call") ids += `${block.id} `;
    else if (block.type === "tool-result") ids += `${block.toolCallId} `;
  }
  return ids;
};

/**
 * `canonicalJson(normalized)` for `normalized = normalizeRequest(request)` in pieces, reusing the
 * text of shared parts: hashed one by one, the whole text is never built.
 */
function canonicalRequestParts(request: ModelRequest, normalized: NormalizedRequest): string[] {
  const messages = normalized.messages.map((message, index) => shared(canonicalTexts, request.messages[index]!, idsOf(message), () => canonicalJson(message)));
  const tools = normalized.tools.map((tool, index) => shared(canonicalTexts, request.tools[index]!, "", () => canonicalJson(tool)));
  // The keys of NormalizedRequest in sorted order; an undefined one is left out, as canonicalJson does.
  const parts = ['{"messages":[', ...interleave(messages, ","), '],"model":', canonicalJson(normalized.model)];
  if (normalized.params !== undefined) parts.push(',"params":', canonicalJson(normalized.params));
  if (normalized.system !== undefined) parts.push(',"system":', canonicalJson(normalized.system));
  parts.push(',"tools":[', ...interleave(tools, ","), "]}");
  return parts;
}

const interleave = (items: string[], separator: string): string[] => items.flatMap((item, index) => (index === 0 ? [item] : [separator, item]));

const keys = new WeakMap<ModelRequest, { normalized: NormalizedRequest; key: string }>();

/** Normalized form and key of a request, computed once per request object (guard, recorder and cassette all need it). */
export function keyOf(request: ModelRequest): { normalized: NormalizedRequest; key: string } {
  let known = keys.get(request);
  if (!known) {
    const normalized = normalizeRequest(request);
    known = { normalized, key: hashParts(canonicalRequestParts(request, normalized)) };
    keys.set(request, known);
  }
  return known;
}

/** `JSON.stringify(keyOf(request).normalized)` (a cassette's request), reusing the text of shared messages and tool specs. */
export function normalizedRequestJson(request: ModelRequest): string {
  return jsonWithItems(keyOf(request).normalized, ["messages", "tools"], (item, index, key) =>
    key === "messages"
      ? shared(jsonTexts, request.messages[index]!, idsOf(item as ModelMessage), () => JSON.stringify(item))
      : shared(jsonTexts, request.tools[index]!, "", () => JSON.stringify(item)),
  );
}

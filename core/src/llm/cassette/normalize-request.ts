import { createHash } from "node:crypto";
import type { ContentBlock, ModelMessage, ModelRequest } from "../protocol.js";

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

const hashKey = (canonical: string): string => createHash("sha256").update(canonical).digest("hex").slice(0, 32);

export const requestKey = (normalized: NormalizedRequest): string => hashKey(canonicalJson(normalized));

// The requests of one conversation share their tool specs and earlier messages (objects the
// runtime never mutates). Their canonical text is kept per object, so the key of turn n does not
// serialize turns 1..n-1 again. A message with tool ids is not kept: its ids are renumbered per request.
const sharedText = new WeakMap<object, string>();
const shared = (item: object, text: () => string): string => {
  let known = sharedText.get(item);
  if (known === undefined) {
    known = text();
    sharedText.set(item, known);
  }
  return known;
};
const hasToolIds = (message: ModelMessage): boolean => message.content.some((block) => block.type === "tool-call" || block.type === "tool-result");

/** `canonicalJson(normalized)` for `normalized = normalizeRequest(request)`, reusing shared parts. */
export function canonicalRequestJson(request: ModelRequest, normalized: NormalizedRequest): string {
  const messages = normalized.messages.map((message, index) => {
    const original = request.messages[index]!;
    return hasToolIds(original) ? canonicalJson(message) : shared(original, () => canonicalJson(message));
  });
  const tools = normalized.tools.map((tool, index) => shared(request.tools[index]!, () => canonicalJson(tool)));
  // The keys of NormalizedRequest in sorted order; an undefined one is left out, as canonicalJson does.
  const fields: [string, string | undefined][] = [
    ["messages", `[${messages.join(",")}]`],
    ["model", canonicalJson(normalized.model)],
    ["params", normalized.params === undefined ? undefined : canonicalJson(normalized.params)],
    ["system", normalized.system === undefined ? undefined : canonicalJson(normalized.system)],
    ["tools", `[${tools.join(",")}]`],
  ];
  return `{${fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([key, text]) => `${JSON.stringify(key)}:${text}`)
    .join(",")}}`;
}

const keys = new WeakMap<ModelRequest, { normalized: NormalizedRequest; key: string }>();

/** Normalized form and key of a request, computed once per request object (guard, recorder and cassette all need it). */
export function keyOf(request: ModelRequest): { normalized: NormalizedRequest; key: string } {
  let known = keys.get(request);
  if (!known) {
    const normalized = normalizeRequest(request);
    known = { normalized, key: hashKey(canonicalRequestJson(request, normalized)) };
    keys.set(request, known);
  }
  return known;
}

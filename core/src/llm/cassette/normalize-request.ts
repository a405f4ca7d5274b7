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

export const requestKey = (normalized: NormalizedRequest): string =>
  createHash("sha256").update(canonicalJson(normalized)).digest("hex").slice(0, 32);

const keys = new WeakMap<ModelRequest, { normalized: NormalizedRequest; key: string }>();

/** Normalized form and key of a request, computed once per request object (guard, recorder and cassette all need it). */
export function keyOf(request: ModelRequest): { normalized: NormalizedRequest; key: string } {
  let known = keys.get(request);
  if (!known) {
    const normalized = normalizeRequest(request);
    known = { normalized, key: requestKey(normalized) };
    keys.set(request, known);
  }
  return known;
}

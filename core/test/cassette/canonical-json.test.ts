/**
 * Request keys in recorded cassettes are hashes of `canonicalJson`: its text must never change.
 * Held here to the first implementation, on random values with every quirk JSON has.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/llm/cassette/index.js";
import { prng } from "../support/prng.js";

/** The first implementation, kept as the reference. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const keys = ["a", "b", "B", "role", "content", "10", "2", "0", "", "é", "\uD83D\uDE00", "\uFFFF", "z z", '"q"', "__proto__x"];
const leaves: unknown[] = [
  null,
  undefined,
  true,
  false,
  0,
  -0,
  1.5,
  -7,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "",
  "text",
  "line\nbreak",
  "\u2028",
  "😀",
  () => 1,
  new Date(0),
];

const randomValue = (rand: () => number, depth: number): unknown => {
  const r = rand();
  if (depth <= 0 || r < 0.4) return leaves[Math.floor(rand() * leaves.length)];
  if (r < 0.7) {
    const array: unknown[] = Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth - 1));
    if (rand() < 0.1) array[array.length + 1] = 1; // a hole
    return array;
  }
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 6); i > 0; i--) object[keys[Math.floor(rand() * keys.length)]!] = randomValue(rand, depth - 1);
  return object;
};

describe("canonicalJson", () => {
  it("gives exactly the reference text on random values", () => {
    const rand = prng(2024);
    for (let i = 0; i < 5000; i++) {
      const value = randomValue(rand, 5);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it("on a request-shaped value", () => {
    const request = {
      model: "default",
      system: "You count.",
      messages: [
        { role: "user", content: [{ type: "text", text: "Count to ten." }] },
        { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "x", input: { b: 1, a: [1, { d: undefined, c: 2 }] } }] },
      ],
      tools: [],
      params: { temperature: undefined, maxTokens: 100 },
    };
    expect(canonicalJson(request)).toBe(reference(request));
  });
});

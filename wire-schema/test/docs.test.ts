/** Every example in docs/wire.md is a valid frame (or transcript row): the document cannot rot. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  breadcrumbOf,
  eventNames,
  INBOUND_KINDS,
  MAX_INBOUND_FRAME_BYTES,
  MAX_OUTBOUND_FRAME_BYTES,
  OUTBOUND_KINDS,
  PROTOCOL_VERSION,
  validateFrame,
  validateTranscriptRow,
  WIRE_ERROR_CODES,
} from "../src/index.js";
import { wireDoc } from "./paths.js";

const doc = readFileSync(wireDoc, "utf8");
const blocks = (language: string): string[] => [...doc.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1] ?? "");

const inbound: ReadonlySet<string> = new Set(INBOUND_KINDS);

const check = (value: Record<string, unknown>) => {
  if ("kind" in value) {
    const direction = inbound.has(String(value.kind)) ? "inbound" : "outbound";
    const result = validateFrame(value, { direction });
    return result.ok ? "ok" : result.error.message;
  }
  if ("event" in value) {
    const result = validateTranscriptRow(value);
    return result.ok ? "ok" : result.error.message;
  }
  return "ok";
};

describe("docs/wire.md", () => {
  const examples = [
    ...blocks("json").map((text) => JSON.parse(text) as Record<string, unknown>),
    ...blocks("jsonl").flatMap((text) =>
      text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    ),
  ];

  it.each(examples.map((example, i) => [i, String(example.kind ?? example.event ?? "other"), example] as const))(
    "example %i (%s) is valid",
    (_i, _label, example) => {
      expect(check(example)).toBe("ok");
    },
  );

  it("shows phases whose breadcrumb is the one the core derives from their config", () => {
    for (const example of examples) {
      const phase = example.kind === "phase" ? example : example.kind === "snapshot" ? (example.phase as Record<string, unknown> | undefined) : undefined;
      if (phase) expect(phase.breadcrumb).toEqual(breadcrumbOf(phase.config as string[]));
    }
  });

  it("shows an example of every frame kind", () => {
    const kinds = new Set(examples.map((example) => example.kind));
    for (const kind of [...OUTBOUND_KINDS, ...INBOUND_KINDS]) expect(kinds, kind).toContain(kind);
  });

  it("documents every frame kind, known error code and the limits", () => {
    for (const kind of [...OUTBOUND_KINDS, ...INBOUND_KINDS]) expect(doc).toContain(`### \`${kind}\``);
    for (const code of WIRE_ERROR_CODES) expect(doc).toContain(`\`${code}\``);
    expect(doc).toContain(MAX_INBOUND_FRAME_BYTES.toLocaleString("en-US"));
    expect(doc).toContain(MAX_OUTBOUND_FRAME_BYTES.toLocaleString("en-US"));
    expect(doc).toContain(`\`${PROTOCOL_VERSION}\``);
  });

  it("lists every well-known transcript event", () => {
    for (const name of eventNames) expect(doc).toContain(`| \`${name}\` |`);
  });
});

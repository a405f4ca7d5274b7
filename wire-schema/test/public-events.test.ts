/** The public event union: zod and the committed JSON Schema accept and reject the same events. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { isPublicEventType, publicEventTypes, schemaId, terminalPublicEventTypes, validatePublicEvent, type PublicEvent } from "../src/index.js";
import { schemaDir } from "./paths.js";

const base = { sessionId: "s-1", runId: "run-1", seq: 3, ts: 1_760_000_000_000 };

/** One valid sample of every type. */
const samples: Record<string, Record<string, unknown>> = {
  "run-started": { chartId: "hello" },
  "run-resumed": { chartId: "hello", fromSeq: 9, checkpointSeq: 8 },
  "run-done": { finalConfig: ["done"] },
  "run-aborted": { finalConfig: ["greeting"] },
  "run-error": { finalConfig: [], category: "chart", message: "boom" },
  "chart-event": { event: "greeting.done", data: { greeting: "hi", invokeId: "greeter" }, invokeId: "greeter" },
  "chart-config": { config: ["done"], entered: ["done"], exited: ["greeting"], cause: "event" },
  "chart-context": { context: { round: 2, scores: { fox: 3 } } },
  "text-delta": { invokeId: "greeter", turn: 1, kind: "text", text: "Hel" },
  "llm-request": {
    invokeId: "greeter",
    stateId: "hello.greeting",
    turn: 1,
    model: "default",
    messageCount: 1,
    tools: ["greeting_done"],
    ref: "io/greeter-1-request.json",
    snippet: "Greet world",
  },
  "llm-response": {
    invokeId: "greeter",
    stateId: "hello.greeting",
    turn: 1,
    target: "scripted:default",
    stopReason: "tool_use",
    usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
    elapsedMs: 3,
    ref: "io/greeter-1-response.json",
    snippet: "Hello",
  },
  "llm-retry": { invokeId: "greeter", attempt: 2, category: "overloaded", delayMs: 500, target: "anthropic:claude" },
  "llm-fallback": { invokeId: "greeter", reason: "down", from: "anthropic:claude", category: "auth" },
  "llm-error": { invokeId: "greeter", category: "auth", message: "no key" },
  "tool-call": { invokeId: "greeter", turn: 1, toolCallId: "call_1", name: "fs_read", toolKind: "real", snippet: '{"path":"a"}' },
  "tool-result": { invokeId: "greeter", turn: 1, toolCallId: "call_1", name: "fs_read", isError: false, snippet: "ok" },
  "tool-validation-failure": { invokeId: "greeter", turn: 1, toolCallId: "call_1", name: "greeting_done", issues: "greeting: required", final: false },
  "tool-permission": {
    invokeId: "greeter",
    turn: 1,
    toolCallId: "call_2",
    tool: "fs_write",
    targetKind: "path",
    target: "write /work/escaped.txt",
    decision: "deny",
    rule: "default: outside the work root → deny",
  },
  "human-prompt": { invokeId: "name", promptId: "name", kind: "text", message: "Your name?" },
  "human-answer": { invokeId: "name", promptId: "name", outcome: "answered", value: "Grace" },
};

const committed = JSON.parse(readFileSync(join(schemaDir, "public-event.json"), "utf8")) as { $id: string };
const ajv = new Ajv2020({ strict: true, strictRequired: false });
const validateJson = ajv.compile(committed);

describe("public events", () => {
  it("has a sample of every type, and the schema file has a stable $id", () => {
    expect(Object.keys(samples).sort()).toEqual([...publicEventTypes].sort());
    expect(committed.$id).toBe(schemaId("public-event"));
    expect(committed.$id).toBe("https://escapement.dev/schema/wire/v1/public-event.json");
    for (const type of terminalPublicEventTypes) expect(isPublicEventType(type)).toBe(true);
  });

  it.each(publicEventTypes)("a valid %s passes zod and the JSON Schema", (type) => {
    const value = { type, ...base, ...samples[type] };
    expect(validatePublicEvent(value)).toEqual({ ok: true, event: value });
    expect(validateJson(value), JSON.stringify(validateJson.errors)).toBe(true);
  });

  it.each(publicEventTypes)("a %s without its common fields fails both", (type) => {
    for (const key of ["sessionId", "runId", "seq", "ts"]) {
      const rest: Record<string, unknown> = { type, ...base, ...samples[type] };
      delete rest[key];
      const result = validatePublicEvent(rest);
      expect(result.ok, key).toBe(false);
      if (!result.ok) expect(result.error.path).toBe(`/${key}`);
      expect(validateJson(rest), key).toBe(false);
    }
  });

  it("names the bad field", () => {
    const bad = { type: "text-delta", ...base, invokeId: "c", turn: 0, kind: "text", text: "x" };
    expect(validatePublicEvent(bad)).toMatchObject({ ok: false, error: { path: "/turn" } });
    expect(validateJson(bad)).toBe(false);
    expect(validatePublicEvent({ ...base, type: "run-finished" })).toMatchObject({ ok: false, error: { path: "/type" } });
    expect(validateJson({ ...base, type: "run-finished" })).toBe(false);
    expect(validatePublicEvent(null)).toMatchObject({ ok: false, error: { path: "" } });
  });

  it("keeps events open to fields a newer minor adds", () => {
    const value = { type: "run-done", ...base, finalConfig: [], addedLater: 1 };
    expect(validatePublicEvent(value).ok).toBe(true);
    expect(validateJson(value)).toBe(true);
  });

  it("narrows on type", () => {
    const event = { type: "llm-error", ...base, invokeId: "c", category: "auth", message: "m" } as PublicEvent;
    if (event.type === "llm-error") expect(event.category).toBe("auth");
  });
});

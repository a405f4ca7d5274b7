/** The step hooks: what onStepStart may change, and how a hook's failure is reported. */
import { describe, expect, it } from "vitest";
import { finishStep, observe, startStep } from "../../src/engine/step-hooks.js";
import { isLlmError } from "../../src/llm/llm-error.js";
import type { ModelRequest, ModelResponse } from "../../src/llm/protocol.js";
import { memoryLogger } from "./helpers.js";

const step = { invokeId: "writer", stateId: "chart.write", turn: 2 };
const request: ModelRequest = {
  model: "default",
  system: "You write.",
  messages: [{ role: "user", content: [{ type: "text", text: "my key is sk-secret-123" }] }],
  tools: [],
  params: {},
  stream: true,
  origin: { invokeId: "writer", stateId: "chart.write", turn: 2 },
};
const response: ModelResponse = {
  content: [{ type: "text", text: "ok" }],
  stopReason: "end_turn",
  usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
  target: "scripted",
};

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return error;
};

describe("startStep", () => {
  it("sends the request as it is without a hook, or when the hook returns nothing", async () => {
    expect(await startStep(undefined, step, request)).toBe(request);
    const seen: unknown[] = [];
    expect(await startStep({ onStepStart: (s) => void seen.push(s) }, step, request)).toBe(request);
    expect(seen).toEqual([{ ...step, request }]);
  });

  it("sends what the hook returns (a note added, a secret redacted); the origin stays the step's", async () => {
    const hooked = await startStep(
      {
        onStepStart: async ({ request: r }) => ({
          ...r,
          system: `${r.system}\nBe brief.`,
          messages: r.messages.map((m) => ({
            ...m,
            content: m.content.map((b) => (b.type === "text" ? { ...b, text: b.text.replace(/sk-\S+/g, "[key]") } : b)),
          })),
          origin: { invokeId: "elsewhere", stateId: "x", turn: 9 },
        }),
      },
      step,
      request,
    );
    expect(hooked.system).toBe("You write.\nBe brief.");
    expect(hooked.messages[0]!.content).toEqual([{ type: "text", text: "my key is [key]" }]);
    expect(hooked.origin).toEqual(request.origin);
    // The hook got a copy: the conversation's request is untouched.
    expect(request.messages[0]!.content).toEqual([{ type: "text", text: "my key is sk-secret-123" }]);
  });

  it("a hook that throws, or returns no request, fails the step naming the hook and the step", async () => {
    const thrown = await rejection(
      startStep(
        {
          onStepStart: () => {
            throw new Error("policy server down");
          },
        },
        step,
        request,
      ),
    );
    expect(thrown).toMatchObject({
      category: "invalid-request",
      message: "onStepStart hook failed (writer turn 2): policy server down",
      detail: { hook: "onStepStart" },
    });
    const bad = await rejection(startStep({ onStepStart: () => ({ model: "default" }) as unknown as ModelRequest }, step, request));
    expect(bad.message).toBe("onStepStart hook failed (writer turn 2): returned no valid request: messages: expected an array");
  });
});

describe("finishStep and the observers", () => {
  it("onStepFinish sees the request and the response; its throw is a warning naming it and the step", async () => {
    const seen: unknown[] = [];
    const log = memoryLogger();
    await finishStep({ onStepFinish: (s) => void seen.push(s) }, step, request, response, log);
    expect(seen).toEqual([{ ...step, request, response }]);
    await finishStep(
      {
        onStepFinish: async () => {
          throw new Error("metrics sink full");
        },
      },
      step,
      request,
      response,
      log,
    );
    expect(log.lines).toEqual(['warn onStepFinish hook failed (writer turn 2); the run goes on {"message":"metrics sink full"}']);
  });

  it("an observer's throw or rejection is a warning, never a throw", async () => {
    const log = memoryLogger();
    const conversation = { invokeId: "writer", stateId: "chart.write", model: "default" };
    observe(
      {
        onConversationStart: () => {
          throw new Error("sync bug");
        },
      },
      "onConversationStart",
      conversation,
      log,
    );
    observe({ onConversationEnd: (() => Promise.reject(new Error("async bug"))) as never }, "onConversationEnd", { ...conversation, reason: "done" }, log);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.lines).toEqual([
      'warn onConversationStart hook failed (writer); the run goes on {"message":"sync bug"}',
      'warn onConversationEnd hook failed (writer); the run goes on {"message":"async bug"}',
    ]);
  });
});

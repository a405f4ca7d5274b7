/** run({ hooks }): onStepStart changes what is recorded and sent; onStepFinish sees each step; a throwing onStepStart is a model failure naming it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart } from "../../src/engine/index.js";
import { run } from "../../src/index.js";
import { scriptedModel, type ModelRequest } from "../../src/llm/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { memoryLogger, talkChart, tempDir } from "./helpers.js";

const redact = (request: ModelRequest): ModelRequest => ({
  ...request,
  system: `${request.system ?? ""}\nHOUSE NOTE`,
  messages: request.messages.map((m) => ({
    ...m,
    content: m.content.map((b) => (b.type === "text" ? { ...b, text: b.text.replace("finish", "[redacted-word]") } : b)),
  })),
});

describe("run({ hooks }): step hooks", () => {
  it("the request onStepStart returns is what the model gets and what the transcript, io and cassette hold; onStepFinish sees the response", async () => {
    const model = scriptedModel([{ events: [{ name: "finish", payload: {} }] }]);
    const finished: string[] = [];
    const result = await run({
      chart: talkChart(),
      model,
      sessionDir: join(tempDir(), "s"),
      hooks: {
        onStepStart: async ({ request }) => redact(request),
        onStepFinish: ({ invokeId, turn, request, response }) =>
          void finished.push(`${invokeId} ${turn} ${request.system?.includes("HOUSE NOTE")} ${response.target}`),
      },
    });
    expect(result.status).toBe("done");
    expect(model.calls[0]!.system).toContain("HOUSE NOTE");
    expect(JSON.stringify(model.calls[0]!.messages)).toContain("[redacted-word]");
    expect(JSON.stringify(model.calls[0]!.messages)).not.toContain("then call finish");
    const io = readFileSync(join(result.sessionDir, "io.jsonl"), "utf8");
    expect(io).toContain("HOUSE NOTE");
    expect(io).not.toContain("then call finish");
    expect(readFileSync(join(result.sessionDir, "cassette.jsonl"), "utf8")).toContain("HOUSE NOTE");
    expect(finished).toEqual(["talker 1 true scripted"]);
  });

  it("an onStepStart that throws fails the step as error.llm.invalid-request naming the hook; nothing of the step is recorded; the chart handles it", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "guarded",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "talker", message: "hi", allowedEvents: { finish: { schema: z.object({}), description: "end" } } }),
          on: { finish: "done", "error.llm.invalid-request": "recovered" },
        },
        recovered: { type: "final" },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ events: [{ name: "finish", payload: {} }] }]);
    const log = memoryLogger();
    const result = await run({
      chart: defineChart({ id: "guarded", machine }),
      model,
      sessionDir: join(tempDir(), "s"),
      log,
      hooks: {
        onStepStart: () => {
          throw new Error("policy server down");
        },
      },
    });
    expect(result).toMatchObject({ status: "done", finalConfig: ["recovered"] });
    expect(model.calls).toHaveLength(0);
    const rows = await readAllRows(result.transcriptPath);
    expect(rows.some((row) => row.event === "llm/request")).toBe(false);
    expect(rows.find((row) => row.event === "llm/error")?.data).toMatchObject({
      category: "invalid-request",
      message: "onStepStart hook failed (talker turn 1): policy server down",
    });
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup } from "xstate";
import { describe, expect, it } from "vitest";
import { converse, inlineActors } from "../../src/chart/index.js";
import { createCatalog } from "../../src/llm/catalog/index.js";
import { createModelRouter } from "../../src/llm/router/index.js";
import type { TargetClient } from "../../src/llm/protocol.js";
import type { ModelTarget } from "../../src/llm/target.js";
import { runChart } from "../../src/engine/runner.js";

const answering = (target: ModelTarget, asked: string[]): TargetClient => ({
  target,
  call: async () => {
    asked.push(target.model);
    return {
      content: [{ type: "text", text: `from ${target.model}` }],
      stopReason: "end_turn",
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      target: `${target.provider}:${target.model}`,
    };
  },
});

function chartNeeding(needs: Record<string, unknown> | undefined) {
  return setup({ actors: inlineActors }).createMachine({
    id: "needy",
    initial: "look",
    states: {
      look: {
        invoke: converse({ id: "looker", message: "Describe the picture.", realTools: [], ...(needs ? { needs: needs as never } : {}) }),
        on: { "llm.idle": "done" },
      },
      done: { type: "final" },
    },
  });
}

describe("a conversation's needs gate", () => {
  const targets: ModelTarget[] = [
    { provider: "local", model: "text-only" },
    { provider: "local", model: "sees" },
  ];
  const catalog = createCatalog({
    providers: [{ name: "local", kind: "openai-compatible" }],
    overlay: { "local:text-only": { vision: false, contextWindow: 8000 }, "local:sees": { vision: true, contextWindow: 200000 } },
    bundled: {} as never,
  });

  it.each([
    ["no needs: the alias order decides", undefined, "text-only"],
    ["vision: skips the model without it", { vision: true }, "sees"],
    ["a context window floor", { contextWindow: [">=", 100000] }, "sees"],
  ])("%s", async (_name, needs, expected) => {
    const asked: string[] = [];
    const model = createModelRouter({
      aliases: { default: targets },
      catalog,
      needs: (request) => request.needs,
      connect: (target) => answering(target, asked),
    });
    const root = mkdtempSync(join(tmpdir(), "escapement-needs-"));
    const result = await runChart({ chart: { id: "needy", machine: chartNeeding(needs) }, model, sessionDir: join(root, "s"), cwd: root });
    expect(result.status).toBe("done");
    expect(asked).toEqual([expected]);
  });
});

/**
 * A fleet on a store that acknowledges writes later (as one over a network does): the children's
 * names are durable in the parent's checkpoint before the first child session exists, so a crash
 * between the two never leaves children a resume would not know by name (and would run again
 * under new ones).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChart } from "../../src/engine/runner.js";
import { readScriptFile, scriptedModel } from "../../src/llm/index.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import { memoryStore, type SessionStore } from "../../src/store/index.js";
import { collect } from "../support/waiting.js";
import squad from "./fixtures/squad/chart.js";

describe("a fleet on a store that acknowledges later", () => {
  it("makes the children's names durable before it creates their sessions; the run ends done with every child in the store", async () => {
    const inner = memoryStore({ acknowledge: "later" });
    const namedBefore: Record<string, boolean> = {};
    const store: SessionStore = {
      ...inner,
      create: async (request) => {
        const key = request.key;
        if (key?.includes("/children/")) {
          const parent = key.slice(0, key.indexOf("/children/"));
          const child = key.slice(key.lastIndexOf("/") + 1);
          // What a reader of the store sees now: the acknowledged checkpoint.
          const checkpoint = await inner.checkpoint(parent);
          namedBefore[child] = JSON.stringify(checkpoint?.state ?? {}).includes(`"childSessionId":"${child}"`);
        }
        return inner.create(request);
      },
    };
    const script = await readScriptFile(join(import.meta.dirname, "fixtures/squad/script.json"));
    const result = await runChart({ chart: squad, model: scriptedModel(script), store, ids: sequentialIds() });
    expect(result.status).toBe("done");
    expect(namedBefore).toEqual({ "crew-1": true, "crew-2": true, "crew-3": true, "crew-4": true });
    expect(await inner.children(result.sessionId)).toEqual(["crew-1", "crew-2", "crew-3", "crew-4"]);
    const rows = await collect(inner.rows(result.sessionId));
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  });
});

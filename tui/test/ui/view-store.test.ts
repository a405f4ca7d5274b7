import { expect, test } from "bun:test";
import { createRoot } from "solid-js";
import { createViewStore } from "../../src/ui/view-store.ts";
import { sampleFrames } from "../support/frames.ts";
import { until } from "../support/wire-server.ts";

test("frames fold at once but reach the signal once per interval", async () => {
  await createRoot(async (dispose) => {
    const store = createViewStore({ intervalMs: 20 });
    const initial = store.state();
    for (const frame of sampleFrames()) store.push(frame);
    expect(store.state()).toBe(initial);
    await until(() => store.state() !== initial, 1_000, "the batched update");
    expect(store.state().seq).toBe(40);
    store.dispose();
    dispose();
  });
});

test("flush publishes pending frames now", () => {
  createRoot((dispose) => {
    const store = createViewStore({ intervalMs: 10_000 });
    store.push(sampleFrames()[0]!);
    store.flush();
    expect(store.state().run?.chartId).toBe("release-notes");
    store.dispose();
    dispose();
  });
});

import { describe, expect, test } from "bun:test";
import { applyFrames, chartConfig, configTree, flattenTree, initialViewState, interactive, invocations, treePrefix } from "../../src/domain/index.ts";
import { data, sampleFrames, scriptedRun } from "../support/frames.ts";

describe("configTree", () => {
  test("nests active ids under the longest active prefix", () => {
    const tree = flattenTree(configTree(["app", "app.review", "app.review.critique"]));
    expect(tree.map((n) => [n.label, n.depth])).toEqual([
      ["app", 0],
      ["review", 1],
      ["critique", 2],
    ]);
  });

  test("parallel regions sit side by side, drawn with connectors", () => {
    const config = ["app", "app.work", "app.work.fetch", "app.work.fetch.retry", "app.work.index", "app.watch"];
    const lines = flattenTree(configTree(config)).map((n) => `${treePrefix(n)}${n.label}`);
    expect(lines).toEqual(["app", "├─ work", "│  ├─ fetch", "│  │  └─ retry", "│  └─ index", "└─ watch"]);
  });

  test("an id whose parent is not active is a root, labelled in full", () => {
    expect(configTree(["a.b.c", "x"]).map((n) => n.label)).toEqual(["a.b.c", "x"]);
    expect(configTree([])).toEqual([]);
  });
});

describe("inspector selectors", () => {
  const state = applyFrames(initialViewState(), sampleFrames());

  test("the final configuration once the run is over; the phase before", () => {
    expect(chartConfig(state)).toEqual(["published"]);
    const early = applyFrames(initialViewState(), sampleFrames().slice(0, 4));
    expect(chartConfig(early)).toEqual(["draft"]);
    expect(chartConfig(initialViewState())).toEqual([]);
  });

  test("invocations keep ended conversations with their turns' blob refs", () => {
    const [draft] = invocations(state);
    expect(draft?.ended).toBe("exit");
    expect(draft?.turnRefs).toEqual([
      { turn: 1, request: "io/draft-1/1.request.json", response: "io/draft-1/1.response.json" },
      { turn: 2, request: "io/draft-1/2.request.json", response: "io/draft-1/2.response.json" },
    ]);
  });

  test("a turn still answering has only its request ref", () => {
    const run = scriptedRun();
    const next = applyFrames(initialViewState(), [
      run.hello(),
      ...run.row("llm/conversation-started", data.started("w")),
      ...run.row("llm/request", data.request("w", 1)),
    ]);
    expect(invocations(next)[0]?.turnRefs).toEqual([{ turn: 1, request: "io/w/1.request.json" }]);
  });

  test("a replay is not interactive", () => {
    expect(interactive(state)).toBe(false);
    const run = scriptedRun();
    expect(interactive(applyFrames(initialViewState(), [run.hello()]))).toBe(true);
  });
});

import { expect, test } from "bun:test";
import { laneOf } from "../../src/domain/lane.ts";

test.each([
  ["runner/started", {}, "chart"],
  ["runner/event-processed", {}, "chart"],
  ["checkpoint/written", {}, "chart"],
  ["artifact/captured", {}, "chart"],
  ["session/child-started", {}, "chart"],
  ["llm/request", {}, "llm"],
  ["llm/delta", {}, "llm"],
  ["llm/response", {}, "llm"],
  ["llm/tool-call", {}, "tool"],
  ["llm/tool-result", { isError: false }, "tool"],
  ["tool/permission", { decision: "allow" }, "tool"],
  ["tool/permission", { decision: "deny" }, "tool"],
  ["human-input/requested", {}, "human"],
  ["debug/paused", {}, "debug"],
  ["llm/error", {}, "error"],
  ["runner/error", {}, "error"],
  ["llm/tool-result", { isError: true }, "error"],
  ["llm/tool-validation-failed", {}, "error"],
  ["llm/model-down", {}, "error"],
  ["runner/done", { status: "error" }, "error"],
  ["runner/done", { status: "done" }, "chart"],
  ["session/child-done", { status: "error" }, "error"],
  ["future/thing", null, "chart"],
] as const)("%s %j -> %s", (event, data, lane) => {
  expect(laneOf(event, data)).toBe(lane);
});

import { describe, expect, it } from "vitest";
import { refineFailure } from "../../src/cli/commands/refine.js";
import { LlmError } from "../../src/llm/llm-error.js";

describe("refineFailure", () => {
  it("a provider failure is one line and exit 1", () => {
    expect(refineFailure(new LlmError("transport", "Cannot connect to API"), false)).toEqual({
      message: "the model call failed (transport): Cannot connect to API",
      code: 1,
    });
    expect(refineFailure(new LlmError("auth", "invalid x-api-key"), false)).toMatchObject({ code: 1 });
  });

  it("an alias the config does not define is the user's input: exit 2", () => {
    expect(refineFailure(new LlmError("unknown-alias", 'unknown model alias "nope"'), false)).toEqual({ message: 'unknown model alias "nope"', code: 2 });
  });

  it("an interrupted call is 130, whatever the error", () => {
    expect(refineFailure(new Error("The operation was aborted"), true)).toEqual({ message: "interrupted before the model answered", code: 130 });
    expect(refineFailure(new LlmError("aborted", "aborted"), false)).toMatchObject({ code: 130 });
  });

  it("anything that is not a model failure is left to the caller (a bug shows its stack)", () => {
    expect(refineFailure(new TypeError("x is undefined"), false)).toBeUndefined();
  });
});

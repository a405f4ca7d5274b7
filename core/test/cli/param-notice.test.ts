import { describe, expect, it } from "vitest";
import { paramNotice, type AnswerSource } from "../../src/cli/param-notice.js";

const cassette = (fallback: { script: string } | "stop"): AnswerSource => ({
  kind: "cassette",
  path: "examples/hello/cassette.jsonl",
  requests: [JSON.stringify({ messages: [{ role: "user", content: [{ type: "text", text: 'Greet world, then say "hi" 3 times.' }] }] })],
  fallback,
});

describe("paramNotice", () => {
  it("says nothing without params, or when a model answers", () => {
    expect(paramNotice([], { kind: "script", path: "s.json" })).toBeUndefined();
    expect(paramNotice([["name", "Grace"]], { kind: "live" })).toBeUndefined();
  });

  it("a script never saw any param: names them and says the recorded answers are used", () => {
    expect(
      paramNotice(
        [
          ["name", "Grace"],
          ["n", 3],
          ["name", "Ada"],
        ],
        { kind: "script", path: "examples/hello/script.json" },
      ),
    ).toBe("notice: examples/hello/script.json was recorded without --param name, n; the recorded answers are used");
  });

  it("a cassette: only the params whose value no recorded request holds, and the script that answers instead", () => {
    expect(paramNotice([["name", "world"]], cassette({ script: "examples/hello/script.json" }))).toBeUndefined();
    // A JSON-escaped value and a number are found as recorded.
    expect(
      paramNotice(
        [
          ["quote", '"hi"'],
          ["times", 3],
        ],
        cassette({ script: "s.json" }),
      ),
    ).toBeUndefined();
    expect(
      paramNotice(
        [
          ["name", "Grace"],
          ["times", 3],
        ],
        cassette({ script: "examples/hello/script.json" }),
      ),
    ).toBe(
      "notice: examples/hello/cassette.jsonl was recorded without --param name; calls it does not hold get the recorded answers of examples/hello/script.json",
    );
  });

  it("a cassette without a fallback: the first call it does not hold stops the run", () => {
    expect(paramNotice([["name", "Grace"]], cassette("stop"))).toBe(
      "notice: examples/hello/cassette.jsonl was recorded without --param name; the first call it does not hold stops the run (--fork goes live there)",
    );
  });
});

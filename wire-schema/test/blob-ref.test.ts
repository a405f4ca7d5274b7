import { describe, expect, it } from "vitest";
import { parseRef, rangeRef, validateFrame } from "../src/index.js";

describe("blob refs", () => {
  it("a plain ref names a whole file", () => {
    expect(parseRef("artifacts/notes.md")).toEqual({ path: "artifacts/notes.md" });
  });

  it("a range ref names bytes of a file, and round-trips", () => {
    const ref = rangeRef("io.jsonl", 120, 3400);
    expect(ref).toBe("io.jsonl#offset=120&length=3400");
    expect(parseRef(ref)).toEqual({ path: "io.jsonl", range: { offset: 120, length: 3400 } });
    expect(parseRef(`children/c1/${ref}`)).toEqual({ path: "children/c1/io.jsonl", range: { offset: 120, length: 3400 } });
  });

  it("a fragment that is not a byte range stays part of the path", () => {
    expect(parseRef("notes#draft.md")).toEqual({ path: "notes#draft.md" });
    expect(parseRef("io.jsonl#offset=-1&length=2")).toEqual({ path: "io.jsonl#offset=-1&length=2" });
  });

  it("frames carry range refs like any other ref", () => {
    const frame = {
      v: 1,
      kind: "event",
      seq: 3,
      row: { seq: 3, ts: 1, event: "llm/idle", data: { invokeId: "a", turn: 1, ref: rangeRef("io.jsonl", 0, 10), snippet: "hi" } },
    };
    expect(validateFrame(frame, { direction: "outbound" })).toEqual({ ok: true, frame });
  });
});

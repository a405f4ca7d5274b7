import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { AppendFile, HeldDescriptors } from "../../src/runtime/append-file.js";
import { openUnder } from "../support/open-files.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "escapement-append-file-"));
});

describe("AppendFile", () => {
  it("appends every text whole and in order, multi-byte text included", () => {
    const file = new AppendFile(join(dir, "journal.jsonl"), new HeldDescriptors(4));
    file.append("one\n");
    file.append("dé\u2028jà 🎉\n");
    file.append("three\n");
    file.close();
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8")).toBe("one\ndé\u2028jà 🎉\nthree\n");
  });

  it("holds at most the bound of descriptors: the longest-held closes, and opens again on its next append", () => {
    const held = new HeldDescriptors(2);
    const [a, b, c] = ["a", "b", "c"].map((name) => new AppendFile(join(dir, name), held));
    a!.append("a1\n");
    b!.append("b1\n");
    c!.append("c1\n");
    expect(held.size).toBe(2);
    const open = openUnder(dir);
    if (open) expect(open).toEqual([join(dir, "b"), join(dir, "c")]);
    a!.append("a2\n");
    expect(held.size).toBe(2);
    for (const file of [a, b, c]) file!.close();
    expect(held.size).toBe(0);
    if (open) expect(openUnder(dir)).toEqual([]);
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("a1\na2\n");
    expect(readFileSync(join(dir, "c"), "utf8")).toBe("c1\n");
  });

  it("writes at the end after the file was truncated by path (a compaction), and after close", () => {
    const path = join(dir, "journal.jsonl");
    const file = new AppendFile(path, new HeldDescriptors(4));
    file.append("old record\n");
    truncateSync(path, 0);
    file.append("new\n");
    expect(readFileSync(path, "utf8")).toBe("new\n");
    file.close();
    file.append("after close\n");
    file.close();
    expect(readFileSync(path, "utf8")).toBe("new\nafter close\n");
  });

  it("names the file when it cannot be opened, and holds nothing after", () => {
    const held = new HeldDescriptors(4);
    const path = join(dir, "missing", "journal.jsonl");
    const file = new AppendFile(path, held);
    expect(() => file.append("x\n")).toThrow(expect.objectContaining({ code: "ENOENT", path }));
    expect(held.size).toBe(0);
  });

  it("when the process runs out of descriptors, gives back the held ones and appends", () => {
    // In a child with a low limit: it takes every free descriptor, then appends to a new file.
    const built = fileURLToPath(new URL("../../dist/runtime/append-file.js", import.meta.url));
    const script = `
      import { openSync } from "node:fs";
      import { AppendFile, HeldDescriptors } from ${JSON.stringify(built)};
      const held = new HeldDescriptors(16);
      const files = ["a", "b", "c", "d"].map((name) => new AppendFile(${JSON.stringify(dir)} + "/" + name, held));
      for (const file of files) file.append("held\\n");
      let taken = 0;
      try { for (;;) { openSync("/dev/null", "r"); taken++; } } catch (error) { if (error.code !== "EMFILE") throw error; }
      const late = new AppendFile(${JSON.stringify(dir)} + "/late", held);
      late.append("late\\n");
      files[0].append("again\\n");
      console.log(JSON.stringify({ taken, held: held.size }));
    `;
    const child = spawnSync("sh", ["-c", 'ulimit -n 64 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    const result = JSON.parse(child.stdout) as { taken: number; held: number };
    expect(result.taken).toBeGreaterThan(0);
    // The late file appended (the four held were given back); the first one opened again after it.
    expect(readFileSync(join(dir, "late"), "utf8")).toBe("late\n");
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("held\nagain\n");
  });
});

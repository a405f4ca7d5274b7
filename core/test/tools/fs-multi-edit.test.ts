import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsMultiEditTool } from "../../src/tools/fs-multi-edit.js";
import { contextFor, tempDir } from "./helpers.js";

describe("fs_multi_edit", () => {
  it("applies edits in order, each to the previous result", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "f.txt"), "one two three\n");
    const result = await fsMultiEditTool.execute(
      {
        path: "f.txt",
        edits: [
          { old_string: "one", new_string: "1" },
          { old_string: "1 two", new_string: "1 2" },
          { old_string: "e", new_string: "E", replace_all: true },
        ],
      },
      contextFor(dir),
    );
    expect(result.isError).toBeFalsy();
    expect(await readFile(join(dir, "f.txt"), "utf8")).toBe("1 2 thrEE\n");
    expect(result.meta).toMatchObject({ edits: 3, replacements: 4 });
  });

  it("writes nothing when any edit fails, and says which one", async () => {
    const dir = await tempDir();
    const original = "alpha beta beta\n";
    await writeFile(join(dir, "f.txt"), original);
    const result = await fsMultiEditTool.execute(
      {
        path: "f.txt",
        edits: [
          { old_string: "alpha", new_string: "ALPHA" },
          { old_string: "beta", new_string: "BETA" },
          { old_string: "gamma", new_string: "GAMMA" },
        ],
      },
      contextFor(dir),
    );
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/^Edit 2 of 3 failed: old_string occurs 2 times/);
    expect(result.output).toMatch(/No changes were written to f\.txt\.$/);
    expect(result.meta).toMatchObject({ failedEdit: 2, reason: "ambiguous" });
    expect(await readFile(join(dir, "f.txt"), "utf8")).toBe(original);
    expect(await readdir(dir)).toEqual(["f.txt"]);
  });
});

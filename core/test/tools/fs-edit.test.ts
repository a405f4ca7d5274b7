import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsEditTool } from "../../src/tools/fs-edit.js";
import { contextFor, tempDir } from "./helpers.js";

const setup = async (content: string) => {
  const dir = await tempDir();
  await writeFile(join(dir, "file.ts"), content);
  return { dir, read: () => readFile(join(dir, "file.ts"), "utf8") };
};

describe("fs_edit", () => {
  it("replaces a string that occurs exactly once", async () => {
    const { dir, read } = await setup("const a = 1;\nconst b = 2;\n");
    const result = await fsEditTool.execute({ path: "file.ts", old_string: "b = 2", new_string: "b = 3" }, contextFor(dir));
    expect(result.isError).toBeFalsy();
    expect(await read()).toBe("const a = 1;\nconst b = 3;\n");
    expect(result.meta).toMatchObject({ resolvedPath: join(dir, "file.ts"), replacements: 1 });
    expect(await readdir(dir)).toEqual(["file.ts"]);
  });

  it("refuses an ambiguous match and changes nothing", async () => {
    const { dir, read } = await setup("x = 1;\nx = 1;\n");
    const result = await fsEditTool.execute({ path: "file.ts", old_string: "x = 1", new_string: "x = 2" }, contextFor(dir));
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/occurs 2 times/);
    expect(result.output).toMatch(/replace_all/);
    expect(result.meta).toMatchObject({ reason: "ambiguous", occurrences: 2 });
    expect(await read()).toBe("x = 1;\nx = 1;\n");
  });

  it("replaces every occurrence with replace_all", async () => {
    const { dir, read } = await setup("x = 1;\nx = 1;\n");
    const result = await fsEditTool.execute({ path: "file.ts", old_string: "x = 1", new_string: "x = 2", replace_all: true }, contextFor(dir));
    expect(await read()).toBe("x = 2;\nx = 2;\n");
    expect(result.meta).toMatchObject({ replacements: 2 });
  });

  it("reports a string that is not there", async () => {
    const { dir, read } = await setup("hello\n");
    const result = await fsEditTool.execute({ path: "file.ts", old_string: "  hello", new_string: "bye" }, contextFor(dir));
    expect(result).toMatchObject({ isError: true, meta: { reason: "not-found", occurrences: 0 } });
    expect(result.output).toMatch(/not found/);
    expect(await read()).toBe("hello\n");
  });

  it("inserts new_string literally ($ patterns are not special)", async () => {
    const { dir, read } = await setup("price\n");
    await fsEditTool.execute({ path: "file.ts", old_string: "price", new_string: "$& costs $1 $$" }, contextFor(dir));
    expect(await read()).toBe("$& costs $1 $$\n");
  });

  it("reports a missing file", async () => {
    const dir = await tempDir();
    const result = await fsEditTool.execute({ path: "gone.ts", old_string: "a", new_string: "b" }, contextFor(dir));
    expect(result).toMatchObject({ isError: true, output: "gone.ts: no such file or directory" });
  });
});

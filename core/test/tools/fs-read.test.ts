import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsReadTool } from "../../src/tools/fs-read.js";
import { contextFor, tempDir } from "./helpers.js";

const lines = (count: number): string => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

describe("fs_read", () => {
  it("numbers lines and reports the total", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.txt"), "alpha\nbeta\r\ngamma");
    const result = await fsReadTool.execute({ path: "a.txt" }, contextFor(dir));
    expect(result.isError).toBeFalsy();
    expect(result.output).toBe("     1\talpha\n     2\tbeta\n     3\tgamma\n\n[lines 1-3 of 3; end of file]");
    expect(result.meta).toMatchObject({ resolvedPath: join(dir, "a.txt"), totalLines: 3, truncated: false });
  });

  it("numbers lines as editors and grep do: only \\n ends a line, not U+2028, U+2029 or a lone \\r", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "seps.txt"), "one\u2028still one\ntwo\u2029still two\rstill two\nthree\n");
    const result = await fsReadTool.execute({ path: "seps.txt", offset: 3 }, contextFor(dir));
    expect(result.output).toBe("     3\tthree\n\n[lines 3-3 of 3; end of file]");
    const all = await fsReadTool.execute({ path: "seps.txt" }, contextFor(dir));
    expect(all.output.split("\n")[0]).toBe("     1\tone\u2028still one");
  });

  it("reads the window given by offset and limit and says where to continue", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "many.txt"), lines(50));
    const result = await fsReadTool.execute({ path: "many.txt", offset: 10, limit: 3 }, contextFor(dir));
    expect(result.output.split("\n").slice(0, 3)).toEqual(["    10\tline 10", "    11\tline 11", "    12\tline 12"]);
    expect(result.output).toContain("[lines 10-12 of 50; truncated: continue with offset 13]");
    expect(result.meta).toMatchObject({ firstLine: 10, lastLine: 12, totalLines: 50, truncated: true });
  });

  it("stops at 2000 lines by default", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "long.txt"), lines(2500));
    const result = await fsReadTool.execute({ path: "long.txt" }, contextFor(dir));
    expect(result.output).toContain("  2000\tline 2000");
    expect(result.output).not.toContain("line 2001");
    expect(result.meta).toMatchObject({ lastLine: 2000, totalLines: 2500, truncated: true });
  });

  it("cuts very long lines and says so", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "wide.txt"), `${"x".repeat(5000)}\nshort\n`);
    const result = await fsReadTool.execute({ path: "wide.txt" }, contextFor(dir));
    const first = result.output.split("\n")[0]!;
    expect(first).toBe(`     1\t${"x".repeat(2000)}… [line cut: 5000 chars]`);
    expect(result.output).toContain("     2\tshort");
    expect(result.output).toContain("[1 long line(s) cut at 2000 characters]");
  });

  it("takes absolute paths as given", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "abs.txt"), "hi\n");
    const result = await fsReadTool.execute({ path: join(dir, "abs.txt") }, contextFor("/"));
    expect(result.output).toContain("     1\thi");
    expect(result.meta?.["resolvedPath"]).toBe(join(dir, "abs.txt"));
  });

  it("reports a missing file, a directory and a binary file as errors, without throwing", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "blob.bin"), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    const missing = await fsReadTool.execute({ path: "nope.txt" }, contextFor(dir));
    expect(missing).toMatchObject({ isError: true, output: "nope.txt: no such file or directory" });
    expect(missing.meta?.["resolvedPath"]).toBe(join(dir, "nope.txt"));
    const directory = await fsReadTool.execute({ path: "sub" }, contextFor(dir));
    expect(directory.isError).toBe(true);
    expect(directory.output).toMatch(/sub is a directory/);
    const binary = await fsReadTool.execute({ path: "blob.bin" }, contextFor(dir));
    expect(binary.isError).toBe(true);
    expect(binary.output).toMatch(/binary/);
  });

  it("reports an offset past the end", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "short.txt"), lines(3));
    const result = await fsReadTool.execute({ path: "short.txt", offset: 9 }, contextFor(dir));
    expect(result).toMatchObject({ isError: true, output: "offset 9 is past the end of short.txt, which has 3 lines." });
  });

  it("reports an empty file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "empty.txt"), "");
    const result = await fsReadTool.execute({ path: "empty.txt" }, contextFor(dir));
    expect(result).toMatchObject({ output: "empty.txt is empty (0 lines).", meta: { totalLines: 0 } });
    expect(result.isError).toBeFalsy();
  });
});

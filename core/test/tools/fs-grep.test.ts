import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFsGrepTool, fsGrepTool } from "../../src/tools/fs-grep.js";
import { contextFor, tempDir } from "./helpers.js";

const tree = async (files: Record<string, string | Buffer>): Promise<string> => {
  const dir = await tempDir();
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
};

describe("fs_grep", () => {
  it("prints path:line:text for every matching line, files in sorted order", async () => {
    const dir = await tree({
      "src/b.ts": "const todo = 1;\n// TODO: later\n",
      "src/a.ts": "nothing\n\nfunction todo() {}\n",
      "notes.md": "no match here\n",
    });
    const result = await fsGrepTool.execute({ pattern: "todo\\b" }, contextFor(dir));
    expect(result.output).toBe("src/a.ts:3:function todo() {}\nsrc/b.ts:1:const todo = 1;");
    expect(result.meta).toMatchObject({ resolvedPath: dir, matches: 2, truncated: false, filesSearched: 3 });
  });

  it("honours ignore_case, a path and a glob filter that matches at any depth", async () => {
    const dir = await tree({ "pkg/deep/x.ts": "Alpha\n", "pkg/x.js": "alpha\n", "other/y.ts": "alpha\n" });
    const result = await fsGrepTool.execute({ pattern: "alpha", path: "pkg", glob: "*.ts", ignore_case: true }, contextFor(dir));
    expect(result.output).toBe("pkg/deep/x.ts:1:Alpha");
  });

  it("searches a single file", async () => {
    const dir = await tree({ "one.txt": "a\nb\na\n" });
    const result = await fsGrepTool.execute({ pattern: "^a$", path: "one.txt" }, contextFor(dir));
    expect(result.output).toBe("one.txt:1:a\none.txt:3:a");
  });

  it("numbers lines as grep does: U+2028, U+2029 and a lone \\r end no line", async () => {
    const dir = await tree({ "seps.txt": "a\u2028b\nc\u2029d\re\nneedle\r\nneedle\n" });
    const result = await fsGrepTool.execute({ pattern: "needle|^c", path: "seps.txt" }, contextFor(dir));
    expect(result.output).toBe("seps.txt:2:c\u2029d\re\nseps.txt:3:needle\nseps.txt:4:needle");
  });

  it("reports a regex syntax error as an error result", async () => {
    const dir = await tree({ "a.txt": "x\n" });
    const result = await fsGrepTool.execute({ pattern: "foo(" }, contextFor(dir));
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/^Invalid regular expression: .*foo\(/);
  });

  it("skips binary files, node_modules and .git by default", async () => {
    const dir = await tree({
      "text.txt": "needle\n",
      "image.bin": Buffer.concat([Buffer.from("needle\n"), Buffer.from([0, 1, 2])]),
      "node_modules/lib/index.js": "needle\n",
      ".git/config": "needle\n",
    });
    const result = await fsGrepTool.execute({ pattern: "needle" }, contextFor(dir));
    expect(result.output).toBe("text.txt:1:needle");
    expect(result.meta).toMatchObject({ binarySkipped: 1 });
    const all = await fsGrepTool.execute({ pattern: "needle", include_ignored: true }, contextFor(dir));
    expect(all.output).toBe(".git/config:1:needle\nnode_modules/lib/index.js:1:needle\ntext.txt:1:needle");
  });

  it("caps the matches and says more exist", async () => {
    const dir = await tree({ "a.txt": "hit\nhit\nhit\n", "b.txt": "hit\n" });
    const tool = createFsGrepTool({ maxMatches: 2 });
    const capped = await tool.execute({ pattern: "hit" }, contextFor(dir));
    expect(capped.output).toBe("a.txt:1:hit\na.txt:2:hit\n\n[showing the first 2 matches; more exist: narrow the pattern, path or glob]");
    expect(capped.meta).toMatchObject({ matches: 2, truncated: true });
    const exact = await tool.execute({ pattern: "hit", path: "b.txt" }, contextFor(dir));
    expect(exact.meta).toMatchObject({ matches: 1, truncated: false });
  });

  it("cuts long matching lines", async () => {
    const dir = await tree({ "wide.txt": `${"a".repeat(100)}needle\n` });
    const result = await createFsGrepTool({ maxLineChars: 10 }).execute({ pattern: "needle" }, contextFor(dir));
    expect(result.output).toBe("wide.txt:1:aaaaaaaaaa… [cut]");
  });

  it("reports no matches and a missing path", async () => {
    const dir = await tree({ "a.txt": "x\n" });
    const none = await fsGrepTool.execute({ pattern: "y" }, contextFor(dir));
    expect(none.output).toBe("No matches for /y/ in .");
    expect(none.isError).toBeFalsy();
    const missing = await fsGrepTool.execute({ pattern: "y", path: "nowhere" }, contextFor(dir));
    expect(missing).toMatchObject({ isError: true, output: "nowhere: no such file or directory" });
  });
});

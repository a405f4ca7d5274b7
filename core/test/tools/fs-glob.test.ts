import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFsGlobTool, fsGlobTool } from "../../src/tools/fs-glob.js";
import { contextFor, tempDir } from "./helpers.js";

const tree = async (files: string[]): Promise<string> => {
  const dir = await tempDir();
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), "");
  }
  return dir;
};

describe("fs_glob", () => {
  it("returns matching files sorted, relative to the work directory", async () => {
    const dir = await tree(["src/z.ts", "src/b/a.ts", "src/a.ts", "src/a.js", "README.md", ".config/x.ts"]);
    const result = await fsGlobTool.execute({ pattern: "**/*.ts" }, contextFor(dir));
    expect(result.output).toBe([".config/x.ts", "src/a.ts", "src/b/a.ts", "src/z.ts"].join("\n"));
    expect(result.meta).toEqual({ resolvedPath: dir, matches: 4, truncated: false });
  });

  it("matches in cwd and still shows paths usable from the work directory", async () => {
    const dir = await tree(["pkg/src/a.ts", "other/b.ts"]);
    const result = await fsGlobTool.execute({ pattern: "**/*.ts", cwd: "pkg" }, contextFor(dir));
    expect(result.output).toBe("pkg/src/a.ts");
    expect(result.meta?.["resolvedPath"]).toBe(join(dir, "pkg"));
  });

  it("skips node_modules and .git unless asked", async () => {
    const dir = await tree(["a.js", "node_modules/lib/index.js", ".git/hooks/x.js"]);
    expect((await fsGlobTool.execute({ pattern: "**/*.js" }, contextFor(dir))).output).toBe("a.js");
    const all = await fsGlobTool.execute({ pattern: "**/*.js", include_ignored: true }, contextFor(dir));
    expect(all.output).toBe([".git/hooks/x.js", "a.js", "node_modules/lib/index.js"].join("\n"));
  });

  it("caps the list and says how many matched", async () => {
    const dir = await tree(["e.txt", "d.txt", "c.txt", "b.txt", "a.txt"]);
    const result = await createFsGlobTool({ maxResults: 2 }).execute({ pattern: "*.txt" }, contextFor(dir));
    expect(result.output).toBe("a.txt\nb.txt\n\n[showing the first 2 of 5 matches; narrow the pattern]");
    expect(result.meta).toMatchObject({ matches: 5, truncated: true });
  });

  it("says when nothing matches, and reports a missing cwd as an error", async () => {
    const dir = await tree(["a.txt"]);
    const none = await fsGlobTool.execute({ pattern: "*.md" }, contextFor(dir));
    expect(none).toMatchObject({ output: "No files match *.md in ." });
    expect(none.isError).toBeFalsy();
    const missing = await fsGlobTool.execute({ pattern: "*", cwd: "nowhere" }, contextFor(dir));
    expect(missing).toMatchObject({ isError: true, output: "nowhere: no such file or directory" });
  });
});

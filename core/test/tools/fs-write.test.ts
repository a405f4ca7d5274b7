import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsWriteTool } from "../../src/tools/fs-write.js";
import { contextFor, tempDir } from "./helpers.js";

describe("fs_write", () => {
  it("creates missing parent directories and reports bytes", async () => {
    const dir = await tempDir();
    const result = await fsWriteTool.execute({ path: "a/b/c.txt", content: "héllo" }, contextFor(dir));
    expect(await readFile(join(dir, "a/b/c.txt"), "utf8")).toBe("héllo");
    expect(result).toEqual({
      output: "Created a/b/c.txt (6 bytes).",
      meta: { resolvedPath: join(dir, "a/b/c.txt"), bytes: 6, created: true },
    });
  });

  it("overwrites atomically, leaving no temp file behind and keeping the file mode", async () => {
    const dir = await tempDir();
    const path = join(dir, "run.sh");
    await writeFile(path, "old");
    await chmod(path, 0o755);
    const result = await fsWriteTool.execute({ path: "run.sh", content: "#!/bin/sh\necho new\n" }, contextFor(dir));
    expect(result.meta).toMatchObject({ created: false });
    expect(await readFile(path, "utf8")).toBe("#!/bin/sh\necho new\n");
    expect((await stat(path)).mode & 0o777).toBe(0o755);
    expect(await readdir(dir)).toEqual(["run.sh"]);
  });

  it("writes through a symlink instead of replacing it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "real.txt"), "old");
    await symlink("real.txt", join(dir, "link.txt"));
    await fsWriteTool.execute({ path: "link.txt", content: "new" }, contextFor(dir));
    expect((await stat(join(dir, "link.txt"))).isFile()).toBe(true);
    expect(await readFile(join(dir, "real.txt"), "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["link.txt", "real.txt"]);
  });

  it("refuses to write over a directory or below a file, leaving them intact", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "file"), "keep");
    const overDir = await fsWriteTool.execute({ path: "sub", content: "x" }, contextFor(dir));
    expect(overDir.isError).toBe(true);
    expect(overDir.output).toMatch(/sub is a directory/);
    const belowFile = await fsWriteTool.execute({ path: "file/child.txt", content: "x" }, contextFor(dir));
    expect(belowFile.isError).toBe(true);
    expect(await readFile(join(dir, "file"), "utf8")).toBe("keep");
    expect((await readdir(dir)).sort()).toEqual(["file", "sub"]);
  });
});

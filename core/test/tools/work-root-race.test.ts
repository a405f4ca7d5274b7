/**
 * A path component swapped for a symlink to an outside directory between the permission check and
 * the use. The swap runs inside the permit call (after the check has resolved the path, before the
 * tool uses it), so the race is deterministic. Each scenario runs twice: through /proc/self/fd
 * (Linux: the use goes to the directory that was checked) and through the check-then-use fallback
 * (elsewhere: the re-check before the use sees the swap and refuses). Either way nothing outside
 * is read or written.
 */
import { mkdir, readdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fsEditTool } from "../../src/tools/fs-edit.js";
import { fsGlobTool } from "../../src/tools/fs-glob.js";
import { fsGrepTool } from "../../src/tools/fs-grep.js";
import { fsMultiEditTool } from "../../src/tools/fs-multi-edit.js";
import { fsReadTool } from "../../src/tools/fs-read.js";
import { fsWriteTool } from "../../src/tools/fs-write.js";
import type { ToolContext, ToolResult } from "../../src/tools/tool.js";
import { contextFor, recordingPermit, rootAndOutside } from "./helpers.js";

type OpenFilePath = typeof import("../../src/tools/open-file-path.js");

const mode = vi.hoisted(() => ({ procFd: true }));

vi.mock("../../src/tools/open-file-path.js", async (importOriginal) => {
  const actual = await importOriginal<OpenFilePath>();
  const procFdWorks = async () => mode.procFd && (await actual.procFdWorks());
  return {
    ...actual,
    procFdWorks,
    realPathOfOpen: async (...args: Parameters<OpenFilePath["realPathOfOpen"]>) =>
      (await procFdWorks()) ? actual.realPathOfOpen(...args) : actual.recheckedRealPath(...args),
  };
});

const actual = await vi.importActual<OpenFilePath>("../../src/tools/open-file-path.js");
const linux = await actual.procFdWorks();

interface Scene {
  root: string;
  outside: string;
  /** A context whose permit swaps `<root>/<component>` for a symlink to the outside directory before answering. */
  swapping: (tool: string, component?: string) => ToolContext;
}

/**
 * <root>/sub/data.txt ("inside"), <root>/sub/inner/deep.txt ("inside deep"), and outside the
 * same names with other contents, so that a read, write or edit sent outside would succeed there.
 */
const scene = async (): Promise<Scene> => {
  const { root, outside } = await rootAndOutside();
  await mkdir(join(root, "sub/inner"), { recursive: true });
  await writeFile(join(root, "sub/data.txt"), "inside\n");
  await writeFile(join(root, "sub/inner/deep.txt"), "inside deep\n");
  await mkdir(join(outside, "inner"));
  await writeFile(join(outside, "data.txt"), "inside SECRET\n");
  await writeFile(join(outside, "inner/secret-deep.txt"), "inside SECRET deep\n");
  const swapping = (tool: string, component = "sub"): ToolContext => {
    const swap = async () => {
      await rename(join(root, component), join(root, `${component}-old`));
      await symlink(component === "sub" ? outside : join(outside, "data.txt"), join(root, component));
    };
    return { ...contextFor(root), permit: recordingPermit(root, tool, swap).permit };
  };
  return { root, outside, swapping };
};

const outsideFiles = async (outside: string) => ({
  names: (await readdir(outside, { recursive: true })).sort(),
  data: await readFile(join(outside, "data.txt"), "utf8"),
});
const untouched = { names: ["data.txt", "inner", "inner/secret-deep.txt", "secret.txt"], data: "inside SECRET\n" };

const expectChanged = (result: ToolResult): void => {
  expect(result.isError).toBe(true);
  expect(result.output).toMatch(/the path changed while the tool was using it/);
  expect(result.output).not.toContain("SECRET");
};

describe.each([
  { name: "through /proc/self/fd", procFd: true },
  { name: "check-then-use fallback", procFd: false },
])("a component swapped for a symlink out, between check and use ($name)", ({ procFd }) => {
  // Where /proc/self/fd is missing, the first run is the fallback too.
  const held = procFd && linux;
  beforeEach(() => {
    mode.procFd = procFd;
  });

  it("fs_read reads the file that was checked, or refuses", async () => {
    const { outside, swapping } = await scene();
    const result = await fsReadTool.execute({ path: "sub/data.txt" }, swapping("fs_read"));
    if (held) expect(result.output).toBe("     1\tinside\n\n[lines 1-1 of 1; end of file]");
    else expectChanged(result);
    expect(await outsideFiles(outside)).toEqual(untouched);
  });

  it("fs_read refuses a file swapped for a symlink out", async () => {
    const { swapping } = await scene();
    const result = await fsReadTool.execute({ path: "sub/data.txt" }, swapping("fs_read", "sub/data.txt"));
    expectChanged(result);
  });

  it("fs_write writes into the directory that was checked, or refuses", async () => {
    const { root, outside, swapping } = await scene();
    const result = await fsWriteTool.execute({ path: "sub/new.txt", content: "new" }, swapping("fs_write"));
    if (held) expect(await readFile(join(root, "sub-old/new.txt"), "utf8")).toBe("new");
    else expectChanged(result);
    expect(await outsideFiles(outside)).toEqual(untouched);
  });

  it("fs_write creates missing parents below the directory that was checked, or refuses", async () => {
    const { root, outside, swapping } = await scene();
    const result = await fsWriteTool.execute({ path: "sub/a/b/new.txt", content: "new" }, swapping("fs_write"));
    if (held) expect(await readFile(join(root, "sub-old/a/b/new.txt"), "utf8")).toBe("new");
    else expectChanged(result);
    expect(await outsideFiles(outside)).toEqual(untouched);
  });

  it("fs_write refuses to write through a file swapped for a symlink out", async () => {
    const { outside, swapping } = await scene();
    expectChanged(await fsWriteTool.execute({ path: "sub/data.txt", content: "pwned" }, swapping("fs_write", "sub/data.txt")));
    expect(await outsideFiles(outside)).toEqual(untouched);
  });

  it("fs_edit and fs_multi_edit edit the file that was checked, or refuse", async () => {
    for (const tool of ["fs_edit", "fs_multi_edit"] as const) {
      const { root, outside, swapping } = await scene();
      const result =
        tool === "fs_edit"
          ? await fsEditTool.execute({ path: "sub/data.txt", old_string: "inside", new_string: "edited" }, swapping(tool))
          : await fsMultiEditTool.execute({ path: "sub/data.txt", edits: [{ old_string: "inside", new_string: "edited" }] }, swapping(tool));
      if (held) expect(await readFile(join(root, "sub-old/data.txt"), "utf8")).toBe("edited\n");
      else expectChanged(result);
      expect(await outsideFiles(outside)).toEqual(untouched);
    }
  });

  it("fs_glob lists the directory that was checked, or refuses", async () => {
    const { swapping } = await scene();
    const result = await fsGlobTool.execute({ pattern: "*", cwd: "sub/inner" }, swapping("fs_glob"));
    if (held) expect(result.output).toBe("sub/inner/deep.txt");
    else expectChanged(result);
    expect(result.output).not.toMatch(/secret/);
  });

  it("fs_grep searches the directory that was checked, or refuses", async () => {
    const { swapping } = await scene();
    const result = await fsGrepTool.execute({ pattern: "inside", path: "sub/inner" }, swapping("fs_grep"));
    if (held) expect(result.output).toBe("sub/inner/deep.txt:1:inside deep");
    else expectChanged(result);
    expect(result.output).not.toContain("SECRET");
  });

  it("fs_glob and fs_grep never walk a directory below the root that became a symlink out", async () => {
    const listed = await fsGlobTool.execute({ pattern: "sub/**" }, (await scene()).swapping("fs_glob"));
    expect(listed.output).toBe("No files match sub/** in .");
    const found = await fsGrepTool.execute({ pattern: "inside", glob: "sub/**" }, (await scene()).swapping("fs_grep"));
    expect(found.output).toBe("No matches for /inside/ in .");
    const everything = await fsGrepTool.execute({ pattern: "inside" }, (await scene()).swapping("fs_grep"));
    // What moved aside is still inside; what the symlink leads to is not walked.
    expect(everything.output).toBe("sub-old/data.txt:1:inside\nsub-old/inner/deep.txt:1:inside deep");
  });
});

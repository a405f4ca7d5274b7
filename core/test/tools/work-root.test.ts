import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsEditTool } from "../../src/tools/fs-edit.js";
import { fsGlobTool } from "../../src/tools/fs-glob.js";
import { fsGrepTool } from "../../src/tools/fs-grep.js";
import { fsMultiEditTool } from "../../src/tools/fs-multi-edit.js";
import { fsReadTool } from "../../src/tools/fs-read.js";
import { fsWriteTool } from "../../src/tools/fs-write.js";
import { locatePath } from "../../src/tools/locate-path.js";
import type { ToolResult } from "../../src/tools/tool.js";
import { maxPathBytes, workPath } from "../../src/tools/work-root.js";
import { allowAll, contextFor, recordingPermit, rootAndOutside } from "./helpers.js";

/** A refusal by the policy: an error result naming the real path, with nothing of the outside file in it. */
const expectDenied = (result: ToolResult, real?: string): void => {
  expect(result.isError).toBe(true);
  expect(result.meta).toMatchObject({ permission: "denied" });
  expect(result.output).toMatch(/^permission denied: .*outside the work root/);
  expect(result.output).not.toContain("SECRET");
  if (real !== undefined) expect(result.meta?.["realPath"]).toBe(real);
};

/** A one-line error result, not a throw. */
const expectOneLineError = (result: ToolResult, pattern: RegExp): void => {
  expect(result.isError).toBe(true);
  expect(result.output).toMatch(pattern);
  expect(result.output).not.toContain("\n");
};

/** The outside directory holds exactly its secret, unchanged. */
const expectOutsideUntouched = async (outside: string): Promise<void> => {
  expect(await readdir(outside)).toEqual(["secret.txt"]);
  expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
};

const hugePath = "a/".repeat(maxPathBytes);

describe("the fs tools", () => {
  it("check their own paths with the permit", () => {
    for (const tool of [fsReadTool, fsWriteTool, fsEditTool, fsMultiEditTool, fsGlobTool, fsGrepTool]) {
      expect([tool.name, tool.checksPermissions]).toEqual([tool.name, true]);
    }
  });
});

describe("workPath", () => {
  it("refuses a NUL byte and a path longer than PATH_MAX in one line, without echoing the path", () => {
    const nul = workPath("/work", "a\0b");
    expect(nul).toMatchObject({ failure: { isError: true, output: "The path contains a NUL byte; no file name can hold one." } });
    const long = workPath("/work", hugePath);
    expect("failure" in long && long.failure.output).toBe(`The path is ${hugePath.length} bytes long; paths are at most 4096 bytes.`);
    expect(workPath("/work", "ok.txt")).toEqual({ shown: "ok.txt", resolvedPath: "/work/ok.txt" });
  });
});

describe("locatePath", () => {
  it("gives the real path: the deepest existing directory's, then the missing names", async () => {
    const { root, outside } = await rootAndOutside();
    await mkdir(join(root, "sub"));
    await symlink(outside, join(root, "out"));
    await symlink(join(outside, "missing", "deeper"), join(root, "dangling"));
    const cases: [string, string][] = [
      [join(root, "sub/new/file.txt"), join(root, "sub/new/file.txt")],
      [join(root, "out/secret.txt"), join(outside, "secret.txt")],
      [join(root, "out/a/b.txt"), join(outside, "a/b.txt")],
      [join(root, "dangling/x.txt"), join(outside, "missing/deeper/x.txt")],
      ["/", "/"],
    ];
    for (const [path, real] of cases) {
      const located = await locatePath(path);
      await located.dir.close();
      expect(located.real).toBe(real);
    }
  });
});

describe("fs_read in the work root", () => {
  it("refuses .. escapes, absolute paths outside and symlinks out (file and directory), by real path", async () => {
    const { root, outside } = await rootAndOutside();
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    await symlink(outside, join(root, "outdir"));
    const secret = join(outside, "secret.txt");
    for (const path of ["../outside/secret.txt", secret, "link.txt", "outdir/secret.txt", "outdir/../../outside/secret.txt"]) {
      expectDenied(await fsReadTool.execute({ path }, contextFor(root)), secret);
    }
    // ".." folds before symlinks are followed: this names <root>/outside/secret.txt, which is not there.
    const folded = await fsReadTool.execute({ path: "outdir/../outside/secret.txt" }, contextFor(root));
    expect(folded).toMatchObject({ isError: true, output: "outdir/../outside/secret.txt: no such file or directory" });
  });

  it("says nothing about a missing path outside: the refusal comes first", async () => {
    const { root, base } = await rootAndOutside();
    const result = await fsReadTool.execute({ path: "../nowhere/x.txt" }, contextFor(root));
    expectDenied(result, join(base, "nowhere/x.txt"));
    expect(result.output).not.toMatch(/no such file/);
  });

  it("reads through a symlink that stays inside, and asks the policy about the real path only", async () => {
    const { root } = await rootAndOutside();
    await mkdir(join(root, "real"));
    await writeFile(join(root, "real/a.txt"), "inside\n");
    await symlink("real", join(root, "alias"));
    const { permit, targets } = recordingPermit(root, "fs_read");
    const result = await fsReadTool.execute({ path: "alias/a.txt" }, { ...contextFor(root), permit });
    expect(result.output).toContain("     1\tinside");
    expect(targets).toEqual([{ kind: "path", path: join(root, "real/a.txt"), access: "read" }]);
  });

  it("reads outside when the policy allows it: the policy decides, not the tool", async () => {
    const { root, outside } = await rootAndOutside();
    const result = await fsReadTool.execute({ path: join(outside, "secret.txt") }, { ...contextFor(root), permit: allowAll });
    expect(result.isError).toBeFalsy();
    expect(result.output).toContain("     1\tSECRET");
  });

  it("judges a sibling whose name differs only in case by its real path", async ({ skip }) => {
    const { base, root } = await rootAndOutside();
    // On a case-folding file system WORK is the work root itself: there is no sibling to escape to.
    if (
      !(await mkdir(join(base, "WORK")).then(
        () => true,
        () => false,
      ))
    )
      skip();
    await writeFile(join(base, "WORK/secret.txt"), "SECRET\n");
    const result = await fsReadTool.execute({ path: "../WORK/secret.txt" }, contextFor(root));
    expectDenied(result, join(base, "WORK/secret.txt"));
  });

  it("keeps look-alike dots and slashes, and NFD names, inside the root", async () => {
    const { root } = await rootAndOutside();
    const { permit, targets } = recordingPermit(root, "fs_read");
    for (const path of ["．．/outside/secret.txt", "..∕outside∕secret.txt", "caf\u0065\u0301/../../outside/secret.txt".normalize("NFD")]) {
      const result = await fsReadTool.execute({ path }, { ...contextFor(root), permit });
      expect(result.output).not.toContain("SECRET");
    }
    expect(targets.map((target) => target.kind === "path" && target.path)).toEqual([
      join(root, "．．/outside/secret.txt"),
      join(root, "..∕outside∕secret.txt"),
      // ".." after a name folds lexically: this one climbs out and is judged outside.
      join(root, "../outside/secret.txt"),
    ]);
  });

  it("reports a NUL byte, an enormous path and a directory as one-line errors", async () => {
    const { root } = await rootAndOutside();
    await mkdir(join(root, "dir"));
    expectOneLineError(await fsReadTool.execute({ path: "a\0b" }, contextFor(root)), /NUL byte/);
    expectOneLineError(await fsReadTool.execute({ path: hugePath }, contextFor(root)), /at most 4096 bytes/);
    expectOneLineError(await fsReadTool.execute({ path: "dir" }, contextFor(root)), /^dir is a directory, not a file/);
    expectOneLineError(await fsReadTool.execute({ path: "x/".repeat(100) + "y".repeat(300) }, contextFor(root)), /file name too long|no such file/);
    await symlink("loop", join(root, "loop"));
    expectOneLineError(await fsReadTool.execute({ path: "loop" }, contextFor(root)), /^loop: too many symbolic links$/);
  });

  it("aborts while waiting for a permit, touching nothing", async () => {
    const { root } = await rootAndOutside();
    await writeFile(join(root, "a.txt"), "x\n");
    const controller = new AbortController();
    const permit = () => {
      controller.abort();
      return new Promise<never>(() => {});
    };
    const result = await fsReadTool.execute({ path: "a.txt" }, { ...contextFor(root, controller.signal), permit });
    expect(result).toMatchObject({ isError: true, meta: { aborted: true } });
  });
});

describe("fs_write in the work root", () => {
  it("refuses .. escapes, absolute paths, symlinks out and paths through them, creating nothing outside", async () => {
    const { root, outside } = await rootAndOutside();
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    await symlink(outside, join(root, "outdir"));
    await symlink(join(outside, "made-by-link.txt"), join(root, "dangling.txt"));
    const paths = ["../outside/new.txt", join(outside, "new.txt"), "link.txt", "outdir/new.txt", "outdir/a/b/new.txt", "dangling.txt", "../outside/secret.txt"];
    for (const path of paths) {
      expectDenied(await fsWriteTool.execute({ path, content: "pwned" }, contextFor(root)));
    }
    await expectOutsideUntouched(outside);
  });

  it("writes through a symlink whose real target is inside, and nowhere else", async () => {
    const { root, outside } = await rootAndOutside();
    await mkdir(join(root, "real"));
    await symlink("real", join(root, "alias"));
    const { permit, targets } = recordingPermit(root, "fs_write");
    const result = await fsWriteTool.execute({ path: "alias/new/deep.txt", content: "x" }, { ...contextFor(root), permit });
    expect(result).toMatchObject({ output: "Created alias/new/deep.txt (1 bytes)." });
    expect(await readFile(join(root, "real/new/deep.txt"), "utf8")).toBe("x");
    expect(targets).toEqual([{ kind: "path", path: join(root, "real/new/deep.txt"), access: "write" }]);
    await expectOutsideUntouched(outside);
  });

  it("writes outside when the policy allows it", async () => {
    const { root, outside } = await rootAndOutside();
    const result = await fsWriteTool.execute({ path: "../outside/allowed/x.txt", content: "ok" }, { ...contextFor(root), permit: allowAll });
    expect(result.isError).toBeFalsy();
    expect(await readFile(join(outside, "allowed/x.txt"), "utf8")).toBe("ok");
  });

  it("keeps look-alike dots and slashes and NFD names as names inside the root", async () => {
    const { base, root, outside } = await rootAndOutside();
    await mkdir(join(root, "caf\u00e9"));
    for (const path of ["．．/x.txt", "..∕x.txt", "cafe\u0301/x.txt"]) {
      const result = await fsWriteTool.execute({ path, content: "in" }, contextFor(root));
      expect(result.isError).toBeFalsy();
      expect(await readFile(join(root, path), "utf8")).toBe("in");
    }
    expect((await readdir(base)).sort()).toEqual(["outside", "work"]);
    await expectOutsideUntouched(outside);
  });

  it("reports a NUL byte, an enormous path and a directory as one-line errors, writing nothing", async () => {
    const { root } = await rootAndOutside();
    await mkdir(join(root, "dir"));
    expectOneLineError(await fsWriteTool.execute({ path: "a\0b", content: "x" }, contextFor(root)), /NUL byte/);
    expectOneLineError(await fsWriteTool.execute({ path: hugePath, content: "x" }, contextFor(root)), /at most 4096 bytes/);
    expectOneLineError(await fsWriteTool.execute({ path: "dir", content: "x" }, contextFor(root)), /^dir is a directory/);
    expect(await readdir(root)).toEqual(["dir"]);
  });
});

describe("fs_edit and fs_multi_edit in the work root", () => {
  const edit = (path: string) => ({ path, old_string: "SECRET", new_string: "pwned" });
  const multi = (path: string) => ({ path, edits: [{ old_string: "SECRET", new_string: "pwned" }] });

  it("refuse .. escapes, absolute paths and symlinks out, leaving the outside file as it was", async () => {
    const { root, outside } = await rootAndOutside();
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    await symlink(outside, join(root, "outdir"));
    for (const path of ["../outside/secret.txt", join(outside, "secret.txt"), "link.txt", "outdir/secret.txt"]) {
      expectDenied(await fsEditTool.execute(edit(path), contextFor(root)), join(outside, "secret.txt"));
      expectDenied(await fsMultiEditTool.execute(multi(path), contextFor(root)), join(outside, "secret.txt"));
    }
    await expectOutsideUntouched(outside);
  });

  it("edit outside when the policy allows it", async () => {
    const { root, outside } = await rootAndOutside();
    const result = await fsEditTool.execute(edit("../outside/secret.txt"), { ...contextFor(root), permit: allowAll });
    expect(result.isError).toBeFalsy();
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("pwned\n");
  });

  it("edit the real target of a symlink that stays inside", async () => {
    const { root } = await rootAndOutside();
    await writeFile(join(root, "real.txt"), "SECRET\n");
    await symlink("real.txt", join(root, "link.txt"));
    const result = await fsMultiEditTool.execute(multi("link.txt"), contextFor(root));
    expect(result.isError).toBeFalsy();
    expect(await readFile(join(root, "real.txt"), "utf8")).toBe("pwned\n");
    expect((await readdir(root)).sort()).toEqual(["link.txt", "real.txt"]);
  });

  it("report a NUL byte, an enormous path and a directory as one-line errors", async () => {
    const { root } = await rootAndOutside();
    await mkdir(join(root, "dir"));
    for (const tool of [fsEditTool, fsMultiEditTool] as const) {
      const run = (path: string) =>
        tool === fsEditTool ? fsEditTool.execute(edit(path), contextFor(root)) : fsMultiEditTool.execute(multi(path), contextFor(root));
      expectOneLineError(await run("a\0b"), /NUL byte/);
      expectOneLineError(await run(hugePath), /at most 4096 bytes/);
      expectOneLineError(await run("dir"), /^dir: is a directory$/);
    }
  });
});

describe("fs_glob in the work root", () => {
  it("refuses patterns that climb out and says to pass cwd instead", async () => {
    const { root } = await rootAndOutside();
    for (const pattern of ["../**", "/etc/*", "**/../../*", "a/../../*", "{..,x}/*", "..{/,}*", "@(..)/*", "\\.\\./*"]) {
      const result = await fsGlobTool.execute({ pattern }, contextFor(root));
      expectOneLineError(result, /reaches outside \. .*pass the directory as cwd instead/);
    }
  });

  it("puts cwd to the policy: outside is refused unless allowed", async () => {
    const { root, outside } = await rootAndOutside();
    await symlink(outside, join(root, "outdir"));
    expectDenied(await fsGlobTool.execute({ pattern: "*", cwd: ".." }, contextFor(root)));
    expectDenied(await fsGlobTool.execute({ pattern: "*", cwd: "outdir" }, contextFor(root)), outside);
    const allowed = await fsGlobTool.execute({ pattern: "*", cwd: "../outside" }, { ...contextFor(root), permit: allowAll });
    expect(allowed.output).toBe(join(outside, "secret.txt"));
  });

  it("lists symlinked files that stay inside, and neither walks symlinked directories nor lists symlinks out", async () => {
    const { root, outside } = await rootAndOutside();
    await mkdir(join(root, "src"));
    await writeFile(join(root, "src/a.txt"), "");
    await symlink("src/a.txt", join(root, "alias.txt"));
    await symlink("src", join(root, "srcdir"));
    await symlink(join(outside, "secret.txt"), join(root, "secret.txt"));
    await symlink(outside, join(root, "outdir"));
    await symlink(join(root, "nowhere"), join(root, "dangling.txt"));
    const result = await fsGlobTool.execute({ pattern: "**/*" }, contextFor(root));
    expect(result.output).toBe(["alias.txt", "src/a.txt"].join("\n"));
    const named = await fsGlobTool.execute({ pattern: "outdir/*" }, contextFor(root));
    expect(named.output).toBe("No files match outdir/* in .");
    // Look-alike dots and slashes are name characters: nothing there. A name starting ".." is refused outright.
    for (const pattern of ["．．/**", "．．∕outside∕*"]) {
      expect((await fsGlobTool.execute({ pattern }, contextFor(root))).output).toBe(`No files match ${pattern} in .`);
    }
    expect((await fsGlobTool.execute({ pattern: "..∕*" }, contextFor(root))).output).toMatch(/reaches outside/);
  });

  it("reports a file or a NUL byte as cwd in one line", async () => {
    const { root } = await rootAndOutside();
    await writeFile(join(root, "file.txt"), "");
    expectOneLineError(await fsGlobTool.execute({ pattern: "*", cwd: "file.txt" }, contextFor(root)), /^cwd file\.txt is not a directory\.$/);
    expectOneLineError(await fsGlobTool.execute({ pattern: "*", cwd: "a\0b" }, contextFor(root)), /^The cwd contains a NUL byte/);
    expectOneLineError(await fsGlobTool.execute({ pattern: "*", cwd: hugePath }, contextFor(root)), /at most 4096 bytes/);
  });
});

describe("fs_grep in the work root", () => {
  it("refuses a path outside and a glob that climbs out", async () => {
    const { root, outside } = await rootAndOutside();
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    expectDenied(await fsGrepTool.execute({ pattern: "SECRET", path: ".." }, contextFor(root)));
    expectDenied(await fsGrepTool.execute({ pattern: "SECRET", path: "link.txt" }, contextFor(root)), join(outside, "secret.txt"));
    expectOneLineError(await fsGrepTool.execute({ pattern: "SECRET", glob: "../outside/*" }, contextFor(root)), /reaches outside .*pass the directory as path/);
  });

  it("skips files whose real path is outside the searched directory and says how many", async () => {
    const { root, outside } = await rootAndOutside();
    await writeFile(join(root, "a.txt"), "SECRET inside\n");
    await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
    await symlink(outside, join(root, "outdir"));
    const { permit, targets } = recordingPermit(root, "fs_grep");
    const result = await fsGrepTool.execute({ pattern: "SECRET" }, { ...contextFor(root), permit });
    expect(result.output).toBe("a.txt:1:SECRET inside\n\n[1 skipped: outside the work root]");
    // The root is permitted once; each file is only checked to be inside it.
    expect(targets).toEqual([{ kind: "path", path: root, access: "read" }]);
    expect(result.meta).toMatchObject({ filesSearched: 1, outsideSkipped: 1 });
    await mkdir(join(root, "src"));
    await symlink("../a.txt", join(root, "src/up.txt"));
    const below = await fsGrepTool.execute({ pattern: "SECRET", path: "src" }, contextFor(root));
    expect(below.output).toBe("No matches for /SECRET/ in src\n\n[1 skipped: outside src]");
  });

  it("searches outside when the policy allows it", async () => {
    const { root, outside } = await rootAndOutside();
    const result = await fsGrepTool.execute({ pattern: "SECRET", path: "../outside" }, { ...contextFor(root), permit: allowAll });
    expect(result.output).toBe(`${join(outside, "secret.txt")}:1:SECRET`);
  });

  it("reports a NUL byte, an enormous path and a file used as a directory in one line", async () => {
    const { root } = await rootAndOutside();
    await writeFile(join(root, "file.txt"), "x\n");
    expectOneLineError(await fsGrepTool.execute({ pattern: "x", path: "a\0b" }, contextFor(root)), /NUL byte/);
    expectOneLineError(await fsGrepTool.execute({ pattern: "x", path: hugePath }, contextFor(root)), /at most 4096 bytes/);
    expectOneLineError(
      await fsGrepTool.execute({ pattern: "x", path: "file.txt/sub" }, contextFor(root)),
      /^file\.txt\/sub: a component of the path is not a directory$/,
    );
  });
});

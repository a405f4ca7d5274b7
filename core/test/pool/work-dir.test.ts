/**
 * The directory a worker's run works in: the job's own over the worker's root over the worker's
 * directory, and what is refused (real directories, no mocks).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseWorkDir, makeWorkDir } from "../../src/pool/work-dir.js";

const dir = mkdtempSync(join(tmpdir(), "escapement-work-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("chooseWorkDir", () => {
  const worker = { workRoot: "/srv/runs", cwd: "/srv" };

  it("takes the job's own directory over the worker's root", () => {
    expect(chooseWorkDir({ sessionId: "s1", workDir: "/srv/checkout" }, worker)).toEqual({ dir: "/srv/checkout", given: true });
  });

  it("gives each session a directory of its own under the root", () => {
    expect(chooseWorkDir({ sessionId: "s1" }, worker)).toEqual({ dir: "/srv/runs/s1", given: true });
    expect(chooseWorkDir({ sessionId: "s2" }, worker)).toEqual({ dir: "/srv/runs/s2", given: true });
  });

  it("leaves runs in the worker's directory when neither names one", () => {
    expect(chooseWorkDir({ sessionId: "s1" }, { cwd: "/srv" })).toEqual({ dir: "/srv", given: false });
  });

  it("refuses a job's directory that is not absolute, and a session id that is not one directory name", () => {
    expect(chooseWorkDir({ sessionId: "s1", workDir: "fizz" }, worker)).toEqual({
      refused: `work dir "fizz" is not an absolute path (the job names a directory on the worker's machine)`,
    });
    for (const sessionId of ["../up", "a/b", "..", ""])
      expect(chooseWorkDir({ sessionId }, worker)).toEqual({ refused: `session id "${sessionId}" cannot name a directory under the work root /srv/runs` });
  });
});

describe("makeWorkDir", () => {
  it("makes the directory and its parents, and keeps one that exists", () => {
    const target = join(dir, "a", "b");
    expect(makeWorkDir(target)).toBeUndefined();
    expect(existsSync(target)).toBe(true);
    expect(makeWorkDir(target)).toBeUndefined();
  });

  it("says in one line why a directory cannot be made", () => {
    writeFileSync(join(dir, "file"), "in the way\n");
    const reason = makeWorkDir(join(dir, "file", "sub"));
    expect(reason).toBe(`cannot create directory ${join(dir, "file", "sub")}: ${join(dir, "file")} is a file, not a directory (ENOTDIR)`);
    expect(reason).not.toContain("\n");
  });
});

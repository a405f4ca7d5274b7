import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSessionDir, openSessionDir, writeManifest, type SessionManifest } from "../../src/runtime/session-dir.js";

const manifest = (extra: Partial<SessionManifest> = {}): SessionManifest => ({
  sessionId: "s1",
  chartId: "chart",
  chartModule: "/charts/chart.ts",
  createdAt: 1,
  status: "running",
  ...extra,
});

const fresh = (start: SessionManifest) => createSessionDir(join(mkdtempSync(join(tmpdir(), "escapement-session-dir-")), "s1"), start);

describe("the session manifest", () => {
  it("is created whole: a creation killed mid-write left only a temporary file, which the next one replaces", () => {
    const root = join(mkdtempSync(join(tmpdir(), "escapement-session-dir-")), "s1");
    mkdirSync(root);
    // What a process killed while writing the manifest leaves: a torn temporary file, no session.json.
    writeFileSync(join(root, "session.json.tmp"), '{"sessionId":');
    const paths = createSessionDir(root, manifest());
    expect(JSON.parse(readFileSync(paths.manifest, "utf8"))).toEqual(manifest());
    expect(readdirSync(root)).toEqual(["session.json"]);
    // And a directory that holds a session is refused, the session untouched.
    expect(() => createSessionDir(root, manifest({ sessionId: "other" }))).toThrow(/already holds a session/);
    expect(JSON.parse(readFileSync(paths.manifest, "utf8"))).toEqual(manifest());
  });

  it("records the end of a run in place (the same file, no new one created), no temporary file left", () => {
    const paths = fresh(manifest());
    const inode = statSync(paths.manifest).ino;
    writeManifest(paths, manifest({ status: "done", endedAt: 2 }));
    expect(statSync(paths.manifest).ino).toBe(inode);
    expect(JSON.parse(readFileSync(paths.manifest, "utf8"))).toEqual(manifest({ status: "done", endedAt: 2 }));
    expect(openSessionDir(paths.root).manifest).toMatchObject({ status: "done", endedAt: 2 });
    expect(readdirSync(paths.root)).toEqual(["session.json"]);
  });

  it("pads a shorter rewrite with spaces, so no byte of the old text is left behind", () => {
    const paths = fresh(manifest({ input: { note: "x".repeat(300) } }));
    writeManifest(paths, manifest({ status: "error", endedAt: 2 }));
    const text = readFileSync(paths.manifest, "utf8");
    expect(text).not.toContain("xxx");
    expect(text.endsWith(" \n")).toBe(true);
    expect(JSON.parse(text)).toEqual(manifest({ status: "error", endedAt: 2 }));
  });

  it("a manifest over one page (a large input) is replaced through a temporary file", () => {
    const input = { notes: "y".repeat(5000) };
    const paths = fresh(manifest({ input }));
    writeManifest(paths, manifest({ input, status: "done", endedAt: 2 }));
    expect(JSON.parse(readFileSync(paths.manifest, "utf8"))).toEqual(manifest({ input, status: "done", endedAt: 2 }));
    expect(existsSync(`${paths.manifest}.tmp`)).toBe(false);
  });

  it("a manifest deleted during the run is written again", () => {
    const paths = fresh(manifest());
    rmSync(paths.manifest);
    writeManifest(paths, manifest({ status: "aborted", endedAt: 3 }));
    expect(JSON.parse(readFileSync(paths.manifest, "utf8"))).toMatchObject({ status: "aborted" });
  });
});

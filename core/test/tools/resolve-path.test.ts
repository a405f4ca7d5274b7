import { describe, expect, it } from "vitest";
import { displayPath, isInside, resolvePath } from "../../src/tools/resolve-path.js";

describe("resolvePath", () => {
  it("resolves relative paths against the work directory and takes absolute ones as given, folding .. lexically", () => {
    expect(resolvePath("/work/project", "src/a.ts")).toBe("/work/project/src/a.ts");
    expect(resolvePath("/work/project", "src/../b.ts")).toBe("/work/project/b.ts");
    expect(resolvePath("/work/project", "/tmp/x/../y")).toBe("/tmp/y");
  });

  it("only makes a path absolute: a path that climbs out resolves outside, and the policy (not this function) refuses it", () => {
    expect(resolvePath("/work/project", "../other/b.ts")).toBe("/work/other/b.ts");
    expect(isInside("/work/project", resolvePath("/work/project", "../other/b.ts"))).toBe(false);
    expect(isInside("/work/project", resolvePath("/work/project", "/etc/hosts"))).toBe(false);
  });

  it("treats look-alike dots and slashes as ordinary name characters", () => {
    expect(resolvePath("/work/project", "．．/x")).toBe("/work/project/．．/x");
    expect(resolvePath("/work/project", "..∕x")).toBe("/work/project/..∕x");
    expect(isInside("/work/project", resolvePath("/work/project", "．．/x"))).toBe(true);
  });
});

describe("isInside", () => {
  it("holds for the root and below it, not for a sibling sharing its prefix or a parent", () => {
    expect(isInside("/work/project", "/work/project")).toBe(true);
    expect(isInside("/work/project", "/work/project/src/a.ts")).toBe(true);
    expect(isInside("/work/project", "/work/project/..hidden")).toBe(true);
    expect(isInside("/work/project", "/work/project-2/a.ts")).toBe(false);
    expect(isInside("/work/project", "/work")).toBe(false);
    expect(isInside("/work/project", "/work/PROJECT/a.ts")).toBe(false);
    expect(isInside("/", "/etc/hosts")).toBe(true);
  });
});

describe("displayPath", () => {
  it("is relative inside the work directory and absolute outside it", () => {
    expect(displayPath("/work/project", "/work/project/src/a.ts")).toBe("src/a.ts");
    expect(displayPath("/work/project", "/work/project")).toBe(".");
    expect(displayPath("/work/project", "/work/project-2/a.ts")).toBe("/work/project-2/a.ts");
    expect(displayPath("/work/project", "/etc/hosts")).toBe("/etc/hosts");
  });
});

import { describe, expect, it } from "vitest";
import { displayPath, resolvePath } from "../../src/tools/resolve-path.js";

describe("resolvePath", () => {
  it("resolves relative paths against the work directory", () => {
    expect(resolvePath("/work/project", "src/a.ts")).toBe("/work/project/src/a.ts");
    expect(resolvePath("/work/project", "../other/b.ts")).toBe("/work/other/b.ts");
  });

  it("takes absolute paths as given (normalised)", () => {
    expect(resolvePath("/work/project", "/etc/hosts")).toBe("/etc/hosts");
    expect(resolvePath("/work/project", "/tmp/x/../y")).toBe("/tmp/y");
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

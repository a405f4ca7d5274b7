/**
 * Which xstate and zod a chart and the core load, checked before a run: an unsupported version
 * or two copies is one line naming the package, the version, where it is and the fix. The layouts
 * are fake node_modules trees in a temp dir (a package.json and an empty entry per package).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkPeers,
  formatOtherCore,
  otherCoreOf,
  formatPeerProblem,
  locatePackage,
  parseVersion,
  peerProblems,
  satisfies,
  supportedPeers,
  type PeerProblem,
} from "../../src/loader/peer-check.js";

const scratch = mkdtempSync(join(tmpdir(), "escapement-peer-check-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const write = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

/** A package in `modules` (a node_modules dir); `hidePackageJson` leaves `./package.json` out of its exports. */
function installPackage(modules: string, name: string, version: string, options: { hidePackageJson?: boolean } = {}): string {
  const dir = join(modules, name);
  const exports = options.hidePackageJson ? { ".": "./dist/index.cjs" } : { ".": "./dist/index.cjs", "./package.json": "./package.json" };
  write(join(dir, "package.json"), JSON.stringify({ name, version, main: "./dist/index.cjs", exports }));
  write(join(dir, "dist", "package.json"), JSON.stringify({ type: "commonjs" }));
  write(join(dir, "dist", "index.cjs"), "");
  return dir;
}

let projects = 0;

interface Project {
  root: string;
  modules: string;
  /** A directory inside the installed core, where its own imports are resolved from. */
  coreDir: string;
  /** A chart's directory in the project. */
  chartDir: string;
}

/** A project with the core installed and xstate and zod beside it (unless `null`). */
function project(versions: { xstate?: string | null; zod?: string | null } = {}): Project {
  const root = join(scratch, `project-${++projects}`);
  const modules = join(root, "node_modules");
  const coreDir = join(modules, "@escapement", "core", "dist", "loader");
  write(join(modules, "@escapement", "core", "package.json"), JSON.stringify({ name: "@escapement/core", version: "0.1.0" }));
  mkdirSync(coreDir, { recursive: true });
  const chartDir = join(root, "charts", "greet");
  write(join(chartDir, "chart.ts"), "");
  const xstate = versions.xstate === undefined ? "5.33.3" : versions.xstate;
  const zod = versions.zod === undefined ? "4.6.7" : versions.zod;
  if (xstate !== null) installPackage(modules, "xstate", xstate);
  if (zod !== null) installPackage(modules, "zod", zod);
  return { root, modules, coreDir, chartDir };
}

const check = (p: Project) => checkPeers({ chartDir: p.chartDir, coreDir: p.coreDir });
const lines = (p: Project) => check(p).map(formatPeerProblem);

describe("the supported ranges", () => {
  it("are xstate 5 from 5.13.0 and zod 4 from 4.1.8", () => {
    expect(supportedPeers).toEqual({ xstate: ">=5.13.0 <6", zod: ">=4.1.8 <5" });
  });

  it.each([
    ["5.13.0", true],
    ["5.33.3", true],
    ["5.99.99", true],
    ["5.12.9", false],
    ["5.13.0-rc.1", false],
    ["6.0.0", false],
    ["6.0.0-alpha.1", false],
    ["5.14.0-beta.2", true],
    ["4.38.3", false],
  ])("xstate %s: %s", (version, ok) => {
    expect(satisfies(version, supportedPeers.xstate)).toBe(ok);
  });

  it.each([
    ["4.1.8", true],
    ["4.6.7", true],
    ["4.1.7", false],
    ["4.0.17", false],
    ["3.25.76", false],
    ["5.0.0", false],
  ])("zod %s: %s", (version, ok) => {
    expect(satisfies(version, supportedPeers.zod)).toBe(ok);
  });

  it("reads major.minor.patch with an optional prerelease and build, and nothing else", () => {
    expect(parseVersion("5.13.0")).toEqual({ release: [5, 13, 0], prerelease: false });
    expect(parseVersion("4.1.8-canary.3+sha.1")).toEqual({ release: [4, 1, 8], prerelease: true });
    for (const text of ["", "5", "5.13", "latest", "^5.13.0", "5.13.0.1"]) expect(parseVersion(text)).toBeUndefined();
    expect(satisfies("latest", supportedPeers.xstate)).toBe(false);
  });

  it("accepts only the comparators the table uses", () => {
    expect(() => satisfies("5.13.0", "^5.13.0")).toThrow(/unsupported range comparator "\^5.13.0"/);
  });
});

describe("checkPeers", () => {
  it("supported versions, one copy each: no problem", () => {
    expect(check(project())).toEqual([]);
    expect(check(project({ xstate: "5.13.0", zod: "4.1.8" }))).toEqual([]);
  });

  it("xstate too old: names the version, where it is, the range and the install", () => {
    const p = project({ xstate: "5.12.0" });
    expect(check(p)).toEqual<PeerProblem[]>([{ kind: "unsupported", name: "xstate", version: "5.12.0", dir: join(p.modules, "xstate"), range: ">=5.13.0 <6" }]);
    expect(lines(p)).toEqual([
      `xstate 5.12.0 (in ${join(p.modules, "xstate")}) is not supported: @escapement/core needs xstate >=5.13.0 <6; npm i xstate@^5.13`,
    ]);
  });

  it("the next major of xstate is not supported either", () => {
    const p = project({ xstate: "6.0.0" });
    expect(lines(p)).toEqual([
      `xstate 6.0.0 (in ${join(p.modules, "xstate")}) is not supported: @escapement/core needs xstate >=5.13.0 <6; npm i xstate@^5.13`,
    ]);
  });

  it("zod 3 (3.25, which also ships zod/v4) and zod 4 below 4.1.8 are not supported", () => {
    const zod3 = project({ zod: "3.25.76" });
    expect(lines(zod3)).toEqual([`zod 3.25.76 (in ${join(zod3.modules, "zod")}) is not supported: @escapement/core needs zod >=4.1.8 <5; npm i zod@^4.1.8`]);
    expect(check(project({ zod: "4.0.17" }))).toMatchObject([{ kind: "unsupported", name: "zod", version: "4.0.17" }]);
  });

  it("both too old: one line each, xstate first", () => {
    expect(check(project({ xstate: "5.0.0", zod: "3.23.8" })).map((problem) => [problem.kind, problem.name])).toEqual([
      ["unsupported", "xstate"],
      ["unsupported", "zod"],
    ]);
  });

  it("two copies of supported versions: the chart's own xstate beside the core's", () => {
    const p = project();
    const chartsModules = join(p.root, "charts", "node_modules");
    installPackage(chartsModules, "xstate", "5.30.0");
    expect(check(p)).toEqual<PeerProblem[]>([
      {
        kind: "two-copies",
        name: "xstate",
        chartDir: p.chartDir,
        chart: { version: "5.30.0", dir: join(chartsModules, "xstate") },
        core: { version: "5.33.3", dir: join(p.modules, "xstate") },
      },
    ]);
    expect(lines(p)).toEqual([
      `two copies of xstate: the chart in ${p.chartDir} loads xstate 5.30.0 from ${join(chartsModules, "xstate")}, ` +
        `@escapement/core loads xstate 5.33.3 from ${join(p.modules, "xstate")}, and the core runs the chart's machine with its own xstate; ` +
        "install one version for both (npm i xstate@5.33.3) and run npm dedupe",
    ]);
  });

  it("zod 3 for the chart, zod 4 nested in the core: one line, the unsupported copy (fixing it also makes the copies one)", () => {
    const p = project({ zod: "3.25.76" });
    const coreModules = join(p.modules, "@escapement", "core", "node_modules");
    installPackage(coreModules, "zod", "4.6.7");
    expect(check(p)).toEqual<PeerProblem[]>([{ kind: "unsupported", name: "zod", version: "3.25.76", dir: join(p.modules, "zod"), range: ">=4.1.8 <5" }]);
    expect(lines(p)).toEqual([`zod 3.25.76 (in ${join(p.modules, "zod")}) is not supported: @escapement/core needs zod >=4.1.8 <5; npm i zod@^4.1.8`]);
  });

  it("two copies where the core's own is unsupported: one line, the unsupported copy", () => {
    const p = project({ xstate: "5.12.0" });
    installPackage(join(p.root, "charts", "node_modules"), "xstate", "5.33.3");
    expect(check(p).map((problem) => problem.kind)).toEqual(["unsupported"]);
  });

  it("a chart whose tree has no xstate or zod is no problem: only the core's copies are checked", () => {
    const p = project();
    const elsewhere = join(scratch, `outside-${projects}`, "chart");
    mkdirSync(elsewhere, { recursive: true });
    expect(checkPeers({ chartDir: elsewhere, coreDir: p.coreDir })).toEqual([]);

    const old = project({ xstate: "5.12.0" });
    expect(checkPeers({ chartDir: elsewhere, coreDir: old.coreDir })).toMatchObject([{ kind: "unsupported", name: "xstate", version: "5.12.0" }]);
  });

  it("a package the core does not resolve is left to Node's own error", () => {
    const p = project({ xstate: null, zod: null });
    expect(check(p)).toEqual([]);
  });

  it("a package.json without a version is unsupported, of unknown version", () => {
    const p = project();
    write(join(p.modules, "xstate", "package.json"), JSON.stringify({ name: "xstate", main: "./dist/index.cjs" }));
    expect(lines(p)).toEqual([
      `xstate of unknown version (in ${join(p.modules, "xstate")}) is not supported: @escapement/core needs xstate >=5.13.0 <6; npm i xstate@^5.13`,
    ]);
  });
});

describe("locatePackage", () => {
  it("finds the copy nearest the directory, as Node does", () => {
    const p = project();
    const nested = installPackage(join(p.root, "charts", "node_modules"), "zod", "4.2.0");
    expect(locatePackage("zod", p.chartDir)).toEqual({ version: "4.2.0", dir: nested });
    expect(locatePackage("zod", p.coreDir)).toEqual({ version: "4.6.7", dir: join(p.modules, "zod") });
    expect(locatePackage("xstate", join(scratch, "nowhere"))).toBeUndefined();
  });

  it("finds a package whose exports hide ./package.json from its main entry", () => {
    const p = project({ xstate: null });
    const dir = installPackage(p.modules, "xstate", "5.20.0", { hidePackageJson: true });
    expect(locatePackage("xstate", p.chartDir)).toEqual({ version: "5.20.0", dir });
  });

  it("resolves from a chart directory's real path, as Node resolves a loaded module's imports", () => {
    const p = project();
    const link = join(scratch, `linked-${projects}`);
    symlinkSync(p.chartDir, link, "dir");
    expect(locatePackage("xstate", link)).toEqual({ version: "5.33.3", dir: join(p.modules, "xstate") });
    expect(checkPeers({ chartDir: link, coreDir: p.coreDir })).toEqual([]);
  });
});

describe("peerProblems", () => {
  it("one copy seen from both sides is one problem, not two", () => {
    const copy = { version: "5.0.0", dir: "/p/node_modules/xstate" };
    expect(peerProblems("xstate", { chart: copy, core: { ...copy } }, "/p/charts")).toEqual([
      { kind: "unsupported", name: "xstate", version: "5.0.0", dir: "/p/node_modules/xstate", range: ">=5.13.0 <6" },
    ]);
  });

  it("the same version in two places is still two copies", () => {
    const problems = peerProblems(
      "xstate",
      { chart: { version: "5.33.3", dir: "/p/charts/node_modules/xstate" }, core: { version: "5.33.3", dir: "/p/node_modules/xstate" } },
      "/p/charts/greet",
    );
    expect(problems).toMatchObject([{ kind: "two-copies", name: "xstate" }]);
  });
});

describe("checkPeers with a given locate", () => {
  it("asks for each package from the chart's and the core's directory", () => {
    const asked: string[] = [];
    const problems = checkPeers({
      chartDir: "/c",
      coreDir: "/core",
      locate: (name, from) => {
        asked.push(`${name}@${from}`);
        return from === "/core" ? { version: name === "xstate" ? "5.33.3" : "4.6.7", dir: `/n/${name}` } : undefined;
      },
    });
    expect(problems).toEqual([]);
    expect(asked).toEqual(["xstate@/c", "xstate@/core", "zod@/c", "zod@/core"]);
  });
});

describe("otherCoreOf", () => {
  it("the chart's project has the core that runs it: nothing to say", () => {
    const p = project();
    expect(otherCoreOf({ chartDir: p.chartDir, coreDir: p.coreDir })).toBeUndefined();
  });

  it("a chart whose project has its own @escapement/core (a global escapement running it): both named, with the fix", () => {
    const p = project();
    const own = join(p.root, "charts", "node_modules", "@escapement", "core");
    write(join(own, "package.json"), JSON.stringify({ name: "@escapement/core", version: "0.2.0" }));
    const other = otherCoreOf({ chartDir: p.chartDir, coreDir: p.coreDir });
    expect(other).toEqual({ chart: { version: "0.2.0", dir: own }, running: { version: "0.1.0", dir: join(p.modules, "@escapement", "core") } });
    expect(formatOtherCore(other!)).toBe(
      `the chart imports @escapement/core 0.2.0 from ${own}, but this escapement is @escapement/core 0.1.0 from ${join(p.modules, "@escapement", "core")}; ` +
        "run the chart project's own (npx escapement), or remove one of the two",
    );
  });

  it("a chart outside any project with the core: left to Node's own error when it imports it", () => {
    const p = project();
    const elsewhere = join(scratch, `lonely-${projects}`, "chart");
    mkdirSync(elsewhere, { recursive: true });
    expect(otherCoreOf({ chartDir: elsewhere, coreDir: p.coreDir })).toBeUndefined();
  });
});

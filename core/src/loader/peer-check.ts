import { readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The packages a chart shares with @escapement/core, and the versions the core works with.
 *
 * A chart builds its machine with its `xstate` and its event schemas with its `zod`; the core runs
 * that machine and reads those schemas with its own. Outside these ranges, or with two copies, a
 * run fails late and obscurely (a zod 3 schema read by zod 4: `Cannot read properties of undefined
 * (reading 'def')`; xstate 5.0: `system.getSnapshot is not a function` in the first turn), so the
 * CLI checks them before a run starts.
 *
 * - xstate 5.13.0: the first whose `fromPromise` hands its creator an abort `signal`; `askHuman`
 *   needs it to close a prompt whose state was left (below it, answers never complete the state).
 * - zod 4.1.8: the AI SDK the core calls models through declares `zod ^3.25.76 || ^4.1.8` as its
 *   peer. zod 3 (3.25.x included: its `zod/v4` subpath does not change what `import { z } from
 *   "zod"` is) lacks the zod 4 API the core is written against.
 */
export const supportedPeers = { xstate: ">=5.13.0 <6", zod: ">=4.1.8 <5" } as const;

export type PeerName = keyof typeof supportedPeers;

/** One installed copy of a package: its version and its directory (real path, as Node loads it). */
export interface InstalledPackage {
  version: string;
  dir: string;
}

export type PeerProblem =
  | { kind: "unsupported"; name: PeerName; version: string; dir: string; range: string }
  | { kind: "two-copies"; name: PeerName; chartDir: string; chart: InstalledPackage; core: InstalledPackage };

/** Finds the copy of `name` that a module in `fromDir` would load, or undefined when none resolves. */
export type LocatePackage = (name: string, fromDir: string) => InstalledPackage | undefined;

export interface PeerCheckOptions {
  /** The chart module's directory. */
  chartDir: string;
  /** A directory inside the core's own package; by default this module's. */
  coreDir?: string;
  locate?: LocatePackage;
}

const ownDir = dirname(fileURLToPath(import.meta.url));

/**
 * The problems with the xstate and zod the chart and the core resolve, in `supportedPeers` order.
 * A package the chart's directory does not resolve is no problem here: a chart may import only the
 * core, and one that imports a missing package fails with Node's own message. Nor is one the core
 * does not resolve: the core could not have been loaded without it.
 */
export function checkPeers({ chartDir, coreDir = ownDir, locate = locatePackage }: PeerCheckOptions): PeerProblem[] {
  return (Object.keys(supportedPeers) as PeerName[]).flatMap((name) =>
    peerProblems(name, { chart: locate(name, chartDir), core: locate(name, coreDir) }, chartDir),
  );
}

/** The problems with one package, given the copies the chart and the core resolve. */
export function peerProblems(
  name: PeerName,
  found: { chart: InstalledPackage | undefined; core: InstalledPackage | undefined },
  chartDir: string,
): PeerProblem[] {
  const range = supportedPeers[name];
  const copies = [found.core, found.chart].filter((copy): copy is InstalledPackage => copy !== undefined);
  const distinct = copies.filter((copy, index) => copies.findIndex((other) => other.dir === copy.dir) === index);
  const problems: PeerProblem[] = distinct
    .filter((copy) => !satisfies(copy.version, range))
    .map((copy) => ({ kind: "unsupported", name, version: copy.version, dir: copy.dir, range }));
  // A copy in the wrong range is the one thing to fix first: installing a supported version in the
  // chart's project is also what makes the copies one.
  if (problems.length === 0 && found.chart && found.core && found.chart.dir !== found.core.dir) {
    problems.push({ kind: "two-copies", name, chartDir, chart: found.chart, core: found.core });
  }
  return problems;
}

/** Why the chart cannot have a copy of its own, for the two-copies message. */
const sharedThrough: Record<PeerName, string> = {
  xstate: "the core runs the chart's machine with its own xstate",
  zod: "the core reads the chart's schemas with its own zod",
};

/** One line with the fix; the CLI prefixes `escapement: `. */
export function formatPeerProblem(problem: PeerProblem): string {
  const { name } = problem;
  if (problem.kind === "unsupported") {
    const version = problem.version === "" ? "of unknown version" : problem.version;
    return `${name} ${version} (in ${problem.dir}) is not supported: @escapement/core needs ${name} ${problem.range}; npm i ${name}@${caretOf(problem.range)}`;
  }
  const { chart, core } = problem;
  // Both copies are supported (or this is not reported): installing the core's leaves the core as it is.
  const install = core.version;
  return (
    `two copies of ${name}: the chart in ${problem.chartDir} loads ${name} ${chart.version} from ${chart.dir}, ` +
    `@escapement/core loads ${name} ${core.version} from ${core.dir}, and ${sharedThrough[name]}; ` +
    `install one version for both (npm i ${name}@${install}) and run npm dedupe`
  );
}

/**
 * The copy of `name` a module in `fromDir` loads: Node's resolution from there (the directory's real
 * path, as Node resolves a loaded module's imports), then the package.json above the resolved file.
 * `name/package.json` is asked for first; a package whose `exports` hide it is found from its main
 * entry instead, by walking up to the package.json that carries its name.
 */
export function locatePackage(name: string, fromDir: string): InstalledPackage | undefined {
  const require = createRequire(join(realDir(fromDir), "package.json"));
  const manifestPath = tryResolve(require, `${name}/package.json`) ?? manifestAbove(tryResolve(require, name), name);
  if (!manifestPath) return undefined;
  const manifest = readManifest(manifestPath);
  return { version: typeof manifest?.version === "string" ? manifest.version : "", dir: dirname(manifestPath) };
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

function tryResolve(require: NodeJS.Require, id: string): string | undefined {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
}

function manifestAbove(file: string | undefined, name: string): string | undefined {
  if (!file) return undefined;
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (readManifest(path)?.name === name) return path;
  }
  return undefined;
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}

type Triple = [number, number, number];

interface ParsedVersion {
  release: Triple;
  prerelease: boolean;
}

/**
 * `major.minor.patch`, with an optional `-prerelease` and `+build`. Hand-written rather than the
 * semver package: the core does not depend on it (a copy in a checkout's node_modules comes with
 * another package's tooling, and a user's install need not have one), and these ranges need no
 * more than comparing three numbers.
 */
export function parseVersion(text: string): ParsedVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!match) return undefined;
  return { release: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] !== undefined };
}

/**
 * Whether `version` is in `range`: comparators `>=X.Y.Z` and `<X[.Y[.Z]]` separated by spaces,
 * missing parts being 0 (all `supportedPeers` needs). A prerelease is not yet its release for a
 * minimum (5.13.0-rc.1 is below 5.13.0) but already is for a maximum (6.0.0-alpha.1 is xstate 6,
 * not below 6); a prerelease between the bounds is accepted, as what matters is the API it has.
 */
export function satisfies(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  return range
    .trim()
    .split(/\s+/)
    .every((comparator) => {
      const match = /^(>=|<)(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(comparator);
      if (!match) throw new Error(`unsupported range comparator "${comparator}" in "${range}"`);
      const order = compareRelease(parsed.release, [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)]);
      return match[1] === ">=" ? order > 0 || (order === 0 && !parsed.prerelease) : order < 0;
    });
}

function compareRelease(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** `>=5.13.0 <6` → `^5.13`, `>=4.1.8 <5` → `^4.1.8`: what to install to get into the range. */
function caretOf(range: string): string {
  const match = /(?:^|\s)>=(\d+)\.(\d+)\.(\d+)(?:\s|$)/.exec(range);
  if (!match) return `"${range}"`;
  return match[3] === "0" ? `^${match[1]}.${match[2]}` : `^${match[1]}.${match[2]}.${match[3]}`;
}

/**
 * The @escapement/core a chart imports when it is not the copy that runs it: a global
 * `escapement` and a project with its own `@escapement/core`, say. The chart's conversations would
 * look for their runner in a core that is not running, and fail obscurely.
 */
export function otherCoreOf({
  chartDir,
  coreDir = ownDir,
  locate = locatePackage,
}: PeerCheckOptions): { chart: InstalledPackage; running: InstalledPackage } | undefined {
  const chart = locate("@escapement/core", chartDir);
  const running = locate("@escapement/core", coreDir);
  return chart && running && chart.dir !== running.dir ? { chart, running } : undefined;
}

/** One line with the fix; the CLI prefixes `escapement: `. */
export function formatOtherCore({ chart, running }: { chart: InstalledPackage; running: InstalledPackage }): string {
  return (
    `the chart imports @escapement/core ${chart.version} from ${chart.dir}, but this escapement is @escapement/core ${running.version} from ${running.dir}; ` +
    `run the chart project's own (npx escapement), or remove one of the two`
  );
}

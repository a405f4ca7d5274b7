/**
 * A project outside the repository that installs Escapement the way a user does: every workspace
 * package is packed with `npm pack` and the tarballs are installed with `npm install` into a fresh
 * temporary directory, beside the peer dependencies (xstate, zod) and TypeScript. Nothing in it
 * resolves into the repository: it runs the compiled packages exactly as they would ship.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repo = resolve(import.meta.dirname, "../..");
export const fixtures = join(import.meta.dirname, "fixtures");
const workspaces = ["@escapement/wire-schema", "@escapement/core", "@escapement/tui"];

/** The version of a package the repository itself is tested with, so the project installs the same. */
export const repoVersionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

export interface PackedProject {
  dir: string;
  /** The project's own `node_modules/.bin/escapement`. */
  bin: string;
  remove(): void;
}

/** Packs the workspace packages (built beforehand by `npm run build`) into `dir`; returns the tarball paths. */
export async function packWorkspaces(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await run("npm", ["pack", ...workspaces.flatMap((name) => ["-w", name]), "--pack-destination", dir, "--silent"], { cwd: repo });
  return readdirSync(dir)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => join(dir, file));
}

/**
 * A fresh project (`npm init -y`, which says "type": "commonjs") with the packed packages installed;
 * `extra` are further packages to install (name@version).
 */
export async function createPackedProject(extra: string[] = []): Promise<PackedProject> {
  const dir = mkdtempSync(join(tmpdir(), "escapement-install-"));
  const tarballs = await packWorkspaces(join(dir, ".tarballs"));
  await run("npm", ["init", "-y"], { cwd: dir });
  const peers = ["xstate", "zod", "typescript", "@types/node"].map((name) => `${name}@${repoVersionOf(name)}`);
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, ...peers, ...extra], { cwd: dir, maxBuffer: 16 << 20 });
  return { dir, bin: join(dir, "node_modules", ".bin", "escapement"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture folder into the project as `name`, with a package.json that says `type` (or none). */
export function addFolder(project: PackedProject, fixture: string, name: string, type?: "module" | "commonjs"): string {
  const target = join(project.dir, name);
  cpSync(join(fixtures, fixture), target, { recursive: true });
  writeFileSync(join(target, "package.json"), `${JSON.stringify(type ? { name, private: true, type } : { name, private: true }, null, 2)}\n`);
  return target;
}

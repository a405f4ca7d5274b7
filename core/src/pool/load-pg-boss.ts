/**
 * pg-boss, the job queue workers take runs from, is an optional peer dependency of the core: only
 * `escapement submit` / `worker` (and `submitRun()` / `startWorker()`) need it, and it asks for a
 * newer Node (>= 22.12) than the rest of the core (>= 20.19), so a project without workers does
 * not install it. Without it those say, in one line, how to install it.
 */
import { UsageError } from "../runtime/usage-error.js";

export type PgBossModule = typeof import("pg-boss");

/** Imports a package by name; a test passes one that fails. */
export type PackageImporter = (name: string) => Promise<unknown>;

const importPackage: PackageImporter = (name) => import(name);

export async function loadPgBoss(importer: PackageImporter = importPackage): Promise<PgBossModule> {
  try {
    return (await importer("pg-boss")) as PgBossModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new UsageError(
      "the job queue (submit, worker) needs the package pg-boss, which is not installed (an optional peer dependency of @escapement/core; Node >= 22.12): npm install pg-boss",
    );
  }
}

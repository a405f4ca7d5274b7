/**
 * pg-boss is an optional peer dependency: without it the job queue's commands say how to install
 * it, in one line; any other failure of its import is not disguised as a missing package.
 */
import { describe, expect, it } from "vitest";
import { loadPgBoss } from "../../src/pool/load-pg-boss.js";
import { UsageError } from "../../src/runtime/usage-error.js";

const failing = (code: string | undefined) => async () => {
  throw Object.assign(new Error(`Cannot find package 'pg-boss'`), code === undefined ? {} : { code });
};

describe("loadPgBoss", () => {
  it("loads the installed package", async () => {
    expect(typeof (await loadPgBoss()).PgBoss).toBe("function");
  });

  it("names the fix when the package is not installed", async () => {
    for (const code of ["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]) {
      const refused = await loadPgBoss(failing(code)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UsageError);
      expect((refused as Error).message).toMatch(/needs the package pg-boss, which is not installed .*: npm install pg-boss$/);
    }
  });

  it("lets any other failure through as it is", async () => {
    await expect(loadPgBoss(failing(undefined))).rejects.toThrow(/^Cannot find package 'pg-boss'$/);
  });
});

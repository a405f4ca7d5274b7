/**
 * Session claims on one connection: many runs starting at once in one process claim their sessions
 * without pg's warning about queries piled on a busy client, and a session claimed twice at once is
 * held once, so one release frees it for another process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pool } from "pg";
import { sessionClaims } from "../../src/store/postgres-claims.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";

describe.skipIf(!postgresAvailable())("session claims", () => {
  let cluster: Cluster;
  let pool: Pool;
  beforeAll(() => {
    cluster = startCluster();
    pool = new Pool({ connectionString: cluster.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    cluster?.stop();
  });

  it("claims many sessions at once with one query at a time on its connection", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    const claims = sessionClaims(pool);
    try {
      const claimed = await Promise.all(Array.from({ length: 50 }, (_, index) => claims.claim(`many-${index}`)));
      expect(claimed.every(Boolean)).toBe(true);
      await Promise.all(Array.from({ length: 50 }, (_, index) => claims.release(`many-${index}`)));
      // Warnings are emitted on the next tick.
      await new Promise((done) => setImmediate(done));
      expect(warnings.filter((message) => message.includes("already executing a query"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await claims.close();
    }
  });

  it("a session claimed twice at once is held once: one release lets another process claim it", async () => {
    const mine = sessionClaims(pool);
    const theirs = sessionClaims(pool);
    try {
      expect(await Promise.all([mine.claim("twice"), mine.claim("twice")])).toEqual([true, true]);
      expect(await theirs.claim("twice")).toBe(false);
      await mine.release("twice");
      expect(await theirs.claim("twice")).toBe(true);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
});

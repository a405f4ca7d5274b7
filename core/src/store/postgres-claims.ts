/**
 * Which sessions of a Postgres store this process runs: one session-level advisory lock per
 * session, all held on one connection of the store's own. A second process (on any machine) that
 * would resume a session being run finds its lock taken and is refused; a process that dies
 * (killed, its machine gone) loses its connection, and with it every claim, so its sessions can be
 * resumed at once. One connection per store, not per session: a store running hundreds of
 * sessions does not use up its pool.
 */
import type { Pool, PoolClient } from "pg";

/** The advisory-lock key space of session claims (`hashtextextended(id, seed)`), apart from the schema lock's. */
const CLAIM_SEED = 7201323;

export interface SessionClaims {
  /** Claims the session for this process; false when another process holds it. */
  claim(sessionId: string): Promise<boolean>;
  /** Gives the claim up (the run ended); never fails. */
  release(sessionId: string): Promise<void>;
  /** Drops every claim (the store closes). */
  close(): Promise<void>;
}

/**
 * The claim on a session held now by any process (this one included): the Postgres backend that
 * holds it and since when that connection exists; undefined when nobody runs the session.
 */
export async function claimHolder(pool: Pool, sessionId: string): Promise<{ backendPid: number; since: number } | undefined> {
  // An advisory lock on a bigint key shows in pg_locks as its high and low 32 bits (classid, objid).
  const found = await pool.query<{ pid: number; since: string | null }>(
    `WITH claim AS (SELECT hashtextextended($1, $2) AS key)
     SELECT l.pid, (extract(epoch FROM a.backend_start) * 1000)::bigint AS since
       FROM pg_locks l CROSS JOIN claim LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid::bigint = ((claim.key >> 32) & 4294967295) AND l.objid::bigint = (claim.key & 4294967295)`,
    [sessionId, CLAIM_SEED],
  );
  const row = found.rows[0];
  return row ? { backendPid: row.pid, since: Number(row.since ?? 0) } : undefined;
}

export function sessionClaims(pool: Pool): SessionClaims {
  let connection: Promise<PoolClient> | undefined;
  const client = (): Promise<PoolClient> => {
    connection ??= pool.connect().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
  // One query at a time on the connection (pg queues concurrent ones, but deprecates doing so).
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: (connected: PoolClient) => Promise<T>): Promise<T> => {
    const next = tail.then(client).then(work);
    tail = next.catch(() => undefined);
    return next;
  };
  // Claims made in this process: a session's lock is taken once (Postgres counts re-entries), and
  // two claims of one session at once share one query.
  const held = new Set<string>();
  const claiming = new Map<string, Promise<boolean>>();
  return {
    claim: (sessionId) => {
      if (held.has(sessionId)) return Promise.resolve(true);
      const pending = claiming.get(sessionId);
      if (pending) return pending;
      const claimed = serially(async (connected) => {
        const { rows } = await connected.query<{ claimed: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, $2)) AS claimed", [
          sessionId,
          CLAIM_SEED,
        ]);
        if (rows[0]?.claimed !== true) return false;
        held.add(sessionId);
        return true;
      }).finally(() => claiming.delete(sessionId));
      claiming.set(sessionId, claimed);
      return claimed;
    },
    release: async (sessionId) => {
      if (!held.delete(sessionId) || !connection) return;
      try {
        await serially((connected) => connected.query("SELECT pg_advisory_unlock(hashtextextended($1, $2))", [sessionId, CLAIM_SEED]));
      } catch {
        // A connection that broke has dropped its locks already.
      }
    },
    close: async () => {
      held.clear();
      if (!connection) return;
      const open = connection;
      connection = undefined;
      // Destroyed, not returned to the pool: its session-level locks go with it.
      (await open.catch(() => undefined))?.release(true);
    },
  };
}

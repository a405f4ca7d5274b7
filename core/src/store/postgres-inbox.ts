/**
 * The Postgres store's session inbox: entries in `escapement_inbox`, numbered per session under a
 * per-session transaction lock (so a reader that saw seq n never later finds a smaller one
 * committed), and a `NOTIFY escapement_inbox, '<session id>'` sent with each post's commit. One
 * listening connection per store carries every watched session: a worker holding many parked
 * sessions does not hold a connection for each.
 */
import type { Pool, PoolClient } from "pg";
import { SessionError } from "../runtime/session-error.js";
import { InboxWatchers, isInboxMessage, type InboxEntry, type SessionInbox } from "./session-inbox.js";

/** The advisory-lock key space of inbox numbering, apart from the schema lock's and the claims'. */
const INBOX_SEED = 7201324;
export const INBOX_CHANNEL = "escapement_inbox";

export interface PostgresInbox extends SessionInbox {
  /** Stops listening (the store closes). */
  close(): Promise<void>;
}

export function postgresInbox(pool: Pool, where: string, now: () => number = Date.now): PostgresInbox {
  const watchers = new InboxWatchers();
  let listener: Promise<PoolClient> | undefined;
  const listen = (): Promise<PoolClient> => {
    listener ??= (async () => {
      const client = await pool.connect();
      client.on("notification", (note) => {
        if (note.channel === INBOX_CHANNEL && note.payload) watchers.notify(note.payload);
      });
      await client.query(`LISTEN ${INBOX_CHANNEL}`);
      return client;
    })().catch((error: unknown) => {
      listener = undefined;
      throw new SessionError("session-io", `cannot listen for inbox posts in the Postgres store at ${where}: ${(error as Error).message}`);
    });
    return listener;
  };
  /** A watcher just added (`remove` takes it out): kept once the store listens, taken out again when it cannot. */
  const listening = async (remove: () => void): Promise<() => Promise<void>> => {
    try {
      await listen();
    } catch (error) {
      remove();
      throw error;
    }
    return async () => remove();
  };
  return {
    post: async (sessionId, message) => {
      if (!isInboxMessage(message)) throw new SessionError("session-io", `not an inbox message for session ${sessionId}: ${JSON.stringify(message)}`);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))", [sessionId, INBOX_SEED]);
        const found = await client.query<{ seq: string }>(
          `INSERT INTO escapement_inbox (session_id, seq, at, message)
           SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM escapement_inbox WHERE session_id = $1
           RETURNING seq`,
          [sessionId, now(), JSON.stringify(message)],
        );
        await client.query("SELECT pg_notify($1, $2)", [INBOX_CHANNEL, sessionId]);
        await client.query("COMMIT");
        return Number(found.rows[0]!.seq);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        // 23503: the foreign key to escapement_sessions, so no such session.
        if ((error as { code?: string }).code === "23503")
          throw new SessionError("session-missing", `no session "${sessionId}" in the Postgres store at ${where}`);
        if (error instanceof SessionError) throw error;
        throw new SessionError("session-io", `posting to session ${sessionId}'s inbox in the Postgres store at ${where} failed: ${(error as Error).message}`);
      } finally {
        client.release();
      }
    },
    read: async (sessionId, afterSeq) => {
      const found = await pool.query<{ seq: string; at: string; message: unknown }>(
        "SELECT seq, at, message FROM escapement_inbox WHERE session_id = $1 AND seq > $2 ORDER BY seq",
        [sessionId, afterSeq],
      );
      return found.rows
        .filter((row) => isInboxMessage(row.message))
        .map((row): InboxEntry => ({ seq: Number(row.seq), at: Number(row.at), message: row.message as InboxEntry["message"] }));
    },
    watch: (sessionId, onPosted) => listening(watchers.add(sessionId, onPosted)),
    watchAll: (onPosted) => listening(watchers.addAll(onPosted)),
    close: async () => {
      if (!listener) return;
      const open = listener;
      listener = undefined;
      const client = await open.catch(() => undefined);
      // Destroyed, not returned to the pool: it is still listening.
      client?.release(true);
    },
  };
}

/** The inbox's table (schema version 2). */
export const INBOX_TABLE = `CREATE TABLE IF NOT EXISTS escapement_inbox (
  session_id text NOT NULL REFERENCES escapement_sessions (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  at bigint NOT NULL,
  message jsonb NOT NULL,
  PRIMARY KEY (session_id, seq))`;

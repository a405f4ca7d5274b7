/**
 * Group commit for the Postgres store: the writes of every session of one store, queued while a
 * commit is under way, go to the database together in the next commit, one statement whatever the
 * number of sessions and rows. A process running many sessions writes a row or two per session per
 * turn of the event loop; a transaction each would cost a commit (a log flush) and a few round
 * trips per row. One commit is under way at a time, so a session's writes are committed in the
 * order they were made.
 *
 * A batch is all or nothing, so one session's refused write (the server rejects the statement) must
 * not fail the others: when the server reports an error, nothing of the batch took effect, and each
 * session's writes are tried again on their own; only the ones the server still refuses fail. When
 * the connection or the server is lost, every write of the batch fails (whether it took effect is
 * unknown then; each session holds a prefix of what it wrote, its writes being committed in order).
 */
import type { Pool, PoolClient } from "pg";
import type { LiveLock } from "./live-lock.js";

/** One queued write: an append, a file replaced whole, the manifest, the lock. */
export type Write =
  | { kind: "append"; path: string; bytes: Buffer }
  | { kind: "replace"; path: string; bytes: Buffer }
  /** The manifest's text, as session.json holds it. */
  | { kind: "manifest"; text: string }
  | { kind: "lock"; lock: LiveLock | null; ifPid?: number };

/** Whose writes these are: one session's writer, which stops at its first failure. */
export interface WriteOwner {
  readonly sessionId: string;
  /** The failure the owner stopped at, if any: its later writes fail with it, unwritten. */
  failure(): unknown;
  /** Stops the owner at `cause` (kept when it stopped already); returns the failure its writes fail with. */
  stop(cause: unknown): unknown;
}

/** Queues writes and commits them in batches, in the order queued. */
export interface GroupCommit {
  /** Settles once the write is committed; rejects with the database's error when it is not. */
  write(owner: WriteOwner, write: Write): Promise<void>;
}

interface Entry {
  owner: WriteOwner;
  write: Write;
  done: () => void;
  fail: (error: unknown) => void;
}

/** What a batch changes: the chunk rows and session rows, as arrays a statement takes whole. */
interface BatchPlan {
  /** Files replaced: their chunks go first. */
  cleared: { sessionId: string; path: string }[];
  /** Chunks appended: one per file. */
  chunks: { sessionId: string; path: string; bytes: Buffer }[];
  /** The manifest each session ends the batch with. */
  manifests: Map<string, string>;
  /** Lock changes, in order (a run's start and end: rare). */
  locks: { sessionId: string; lock: LiveLock | null; ifPid?: number }[];
  /** Sessions whose transcript or manifest the batch changes: their followers are told (`CHANGED_CHANNEL`). */
  changed: string[];
}

/** A notification's payload holds at most 8000 bytes: the ids go in as few as fit, one per line. */
const PAYLOAD_BYTES = 7900;

/** The payloads that tell of `sessionIds`: their ids, one per line, as few payloads as fit. */
export function changedPayloads(sessionIds: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = "";
  for (const id of sessionIds) {
    const next = current === "" ? id : `${current}\n${id}`;
    if (Buffer.byteLength(next) <= PAYLOAD_BYTES || current === "") current = next;
    else {
      payloads.push(current);
      current = id;
    }
  }
  if (current !== "") payloads.push(current);
  return payloads;
}

/**
 * The channel a batch notifies (Postgres NOTIFY) of the sessions whose transcript or manifest it
 * changed, once committed: a reader following a session live (`escapement attach`) reads the new
 * rows then instead of waiting for its next poll. The payload is the sessions' ids, one per line
 * (`changedPayloads`): one notification per batch, however many sessions share it.
 */
export const CHANGED_CHANNEL = "escapement_session_changed";

/**
 * What a batch leaves behind, computed before it is sent: within one transaction only the end state
 * counts, so a file replaced in the batch is its last replacement and the appends after it, and the
 * manifest is the last one written.
 */
export function planBatch(writes: readonly { sessionId: string; write: Write }[]): BatchPlan {
  const files = new Map<string, { sessionId: string; path: string; cleared: boolean; chunks: Buffer[] }>();
  const fileOf = (sessionId: string, path: string) => {
    const key = `${sessionId}\u0000${path}`;
    let file = files.get(key);
    if (!file) files.set(key, (file = { sessionId, path, cleared: false, chunks: [] }));
    return file;
  };
  const manifests = new Map<string, string>();
  const locks: BatchPlan["locks"] = [];
  for (const { sessionId, write } of writes) {
    if (write.kind === "append") fileOf(sessionId, write.path).chunks.push(write.bytes);
    else if (write.kind === "replace" || write.kind === "manifest") {
      const file = fileOf(sessionId, write.kind === "replace" ? write.path : MANIFEST);
      file.cleared = true;
      file.chunks = [write.kind === "replace" ? write.bytes : Buffer.from(write.text)];
      if (write.kind === "manifest") manifests.set(sessionId, write.text);
    } else if (write.kind === "lock") locks.push({ sessionId, lock: write.lock, ...(write.ifPid === undefined ? {} : { ifPid: write.ifPid }) });
  }
  const changed = new Set<string>();
  const plan: BatchPlan = { cleared: [], chunks: [], manifests, locks, changed: [] };
  for (const file of files.values()) {
    if (file.path === TRANSCRIPT || file.path === MANIFEST) changed.add(file.sessionId);
    if (file.cleared) plan.cleared.push({ sessionId: file.sessionId, path: file.path });
    // A file's appends of one batch become one chunk: a row's cost in the database (its index entry,
    // its reference check) is paid once per file and batch, not once per transcript row.
    if (file.chunks.length > 0)
      plan.chunks.push({ sessionId: file.sessionId, path: file.path, bytes: file.chunks.length === 1 ? file.chunks[0]! : Buffer.concat(file.chunks) });
  }
  plan.changed = [...changed];
  return plan;
}

const MANIFEST = "session.json";
const TRANSCRIPT = "transcript.jsonl";

/** Where each chunk starts in the chunks' bytes laid end to end (1-based, as `substring` counts). */
function starts(chunks: readonly { bytes: Buffer }[]): number[] {
  let at = 1;
  return chunks.map((chunk) => {
    const start = at;
    at += chunk.bytes.byteLength;
    return start;
  });
}

/**
 * The plan's chunks and manifests as one statement: one round trip, and atomic on its own (the
 * deletes see the table as it was before the statement, so they never reach the chunks it inserts).
 * The notifications go in it too (joined as one row, so the statement runs them; Postgres delivers
 * them at the commit): a follower is told without another round trip per batch.
 */
async function applyChunks(client: PoolClient, plan: BatchPlan): Promise<void> {
  await client.query(
    `WITH cleared AS (
       DELETE FROM escapement_chunks c USING unnest($1::text[], $2::text[]) AS f (session_id, path)
       WHERE c.session_id = f.session_id AND c.path = f.path
     ), manifests AS (
       UPDATE escapement_sessions s SET manifest = m.manifest::jsonb FROM unnest($3::text[], $4::text[]) AS m (id, manifest) WHERE s.id = m.id
     ), notified AS (
       SELECT count(pg_notify('${CHANGED_CHANNEL}', payload)) AS told FROM unnest($10::text[]) AS payload
     )
     INSERT INTO escapement_chunks (session_id, path, bytes)
     SELECT session_id, path, substring($7::bytea FROM start FOR length)
     FROM unnest($5::text[], $6::text[], $8::int[], $9::int[]) WITH ORDINALITY AS chunk (session_id, path, start, length, at), notified ORDER BY at`,
    [
      plan.cleared.map((file) => file.sessionId),
      plan.cleared.map((file) => file.path),
      [...plan.manifests.keys()],
      [...plan.manifests.values()],
      // In the order given: the serial numbers follow it, so each file's chunks read back in order.
      plan.chunks.map((chunk) => chunk.sessionId),
      plan.chunks.map((chunk) => chunk.path),
      // Every chunk's bytes in one buffer, which goes as it is (binary); an array of them would be hex text.
      Buffer.concat(plan.chunks.map((chunk) => chunk.bytes)),
      starts(plan.chunks),
      plan.chunks.map((chunk) => chunk.bytes.byteLength),
      changedPayloads(plan.changed),
    ],
  );
}

/** The plan's lock changes, in order (they depend on one another, so one statement each). */
async function applyLocks(client: PoolClient, plan: BatchPlan): Promise<void> {
  for (const { sessionId, lock, ifPid } of plan.locks) {
    if (ifPid === undefined)
      await client.query("UPDATE escapement_sessions SET lock = $2 WHERE id = $1", [sessionId, lock === null ? null : JSON.stringify(lock)]);
    else await client.query("UPDATE escapement_sessions SET lock = NULL WHERE id = $1 AND (lock->>'pid')::int = $2", [sessionId, ifPid]);
  }
}

/**
 * An error the server reported (pg's `DatabaseError`: a severity and a SQLSTATE code), as opposed to
 * a connection lost, whose `code` is the socket's (`EPIPE`, `ECONNRESET`).
 */
const reportedByServer = (error: unknown): boolean => {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  return typeof severity === "string" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
};

/**
 * Commits a batch's writes: one statement when it changes no lock (nearly every batch), else a
 * transaction of that statement and the lock changes.
 */
async function commitBatch(pool: Pool, entries: readonly Entry[]): Promise<void> {
  const plan = planBatch(entries.map((entry) => ({ sessionId: entry.owner.sessionId, write: entry.write })));
  const chunks = plan.cleared.length + plan.chunks.length + plan.manifests.size > 0;
  if (!chunks && plan.locks.length === 0) return;
  const client = await pool.connect();
  let inTransaction = false;
  try {
    if (plan.locks.length === 0) return await applyChunks(client, plan);
    await client.query("BEGIN");
    inTransaction = true;
    if (chunks) await applyChunks(client, plan);
    await applyLocks(client, plan);
    await client.query("COMMIT");
  } catch (error) {
    if (inTransaction) await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export function groupCommit(pool: Pool): GroupCommit {
  let queued: Entry[] = [];
  let running = false;

  /** A batch the server refused (so none of it took effect): each owner's writes again, on their own. */
  const oneByOne = async (entries: readonly Entry[]): Promise<void> => {
    const owners = new Map<WriteOwner, Entry[]>();
    for (const entry of entries) {
      const mine = owners.get(entry.owner);
      if (mine) mine.push(entry);
      else owners.set(entry.owner, [entry]);
    }
    for (const mine of owners.values()) await settle(mine, () => commitBatch(pool, mine));
  };

  const settle = async (entries: readonly Entry[], commit: () => Promise<void>): Promise<boolean> => {
    try {
      await commit();
      for (const entry of entries) entry.done();
      return true;
    } catch (error) {
      // Only a refusal can be one session's doing; a lost connection or server is every session's.
      if (reportedByServer(error) && new Set(entries.map((entry) => entry.owner)).size > 1) {
        await oneByOne(entries);
        return false;
      }
      for (const entry of entries) entry.fail(entry.owner.stop(error));
      return false;
    }
  };

  const run = async (): Promise<void> => {
    running = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      // An owner that failed in an earlier batch writes nothing more: its queued writes fail unwritten.
      const live: Entry[] = [];
      for (const entry of batch) {
        const failure = entry.owner.failure();
        if (failure === undefined) live.push(entry);
        else entry.fail(failure);
      }
      await settle(live, () => commitBatch(pool, live));
    }
    running = false;
  };

  return {
    write: (owner, write) => {
      const ack = new Promise<void>((done, fail) => queued.push({ owner, write, done, fail }));
      // The first write of a turn of the event loop starts a batch after it, so the turn's other writes join it.
      if (!running) {
        running = true;
        setImmediate(() => void run());
      }
      return ack;
    },
  };
}
